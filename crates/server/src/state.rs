use std::sync::Arc;

use guomen_station::Station;
use tokio::sync::watch;

use crate::config::ServeConfig;

/// Everything a handler may reach: the station (every use case) and the server's own
/// configuration. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub station: Station,
    pub config: Arc<ServeConfig>,
    /// Turns true when the station begins to stop: long-lived responses (event streams) end
    /// on it, so shutdown does not wait for clients that never hang up.
    pub stopping: Arc<watch::Sender<bool>>,
}

impl AppState {
    pub fn new(station: Station, config: ServeConfig) -> Self {
        AppState {
            station,
            config: Arc::new(config),
            stopping: Arc::new(watch::channel(false).0),
        }
    }

    /// Tells every stream to end.
    pub fn begin_stop(&self) {
        self.stopping.send_replace(true);
    }
}
