use std::sync::Arc;

use guomen_station::Station;

use crate::config::ServeConfig;

/// Everything a handler may reach: the station (every use case) and the server's own
/// configuration. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub station: Station,
    pub config: Arc<ServeConfig>,
}

impl AppState {
    pub fn new(station: Station, config: ServeConfig) -> Self {
        AppState {
            station,
            config: Arc::new(config),
        }
    }
}
