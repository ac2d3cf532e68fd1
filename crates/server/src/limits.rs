//! Connection caps shared by every listener (HTTP, JT/T 808, NMEA): a global cap and a cap
//! per client address, so one address cannot hold every slot and starve the others.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts open connections, in total and per address.
#[derive(Debug)]
pub struct ConnLimiter {
    max_total: usize,
    max_per_ip: usize,
    /// What the caps protect, for the metrics (`http`, `jt808`, `nmea`).
    name: &'static str,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One admitted connection; dropping it frees its slots.
#[derive(Debug)]
pub struct ConnSlot {
    limiter: Arc<ConnLimiter>,
    ip: IpAddr,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Total,
    PerIp,
}

impl Refused {
    pub fn label(self) -> &'static str {
        match self {
            Refused::Total => "total_cap",
            Refused::PerIp => "per_ip_cap",
        }
    }
}

impl ConnLimiter {
    pub fn new(name: &'static str, max_total: usize, max_per_ip: usize) -> Arc<ConnLimiter> {
        Arc::new(ConnLimiter {
            max_total: max_total.max(1),
            max_per_ip: max_per_ip.max(1),
            name,
            open: Mutex::new((0, HashMap::new())),
        })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A slot for a connection from `ip`, or why not.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Result<ConnSlot, Refused> {
        let mut g = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per_ip) = &mut *g;
        if *total >= self.max_total {
            return Err(Refused::Total);
        }
        let n = per_ip.entry(ip).or_default();
        if *n >= self.max_per_ip {
            return Err(Refused::PerIp);
        }
        *n += 1;
        *total += 1;
        Ok(ConnSlot {
            limiter: self.clone(),
            ip,
        })
    }

    /// Open connections in total.
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).0
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        let mut g = self.limiter.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per_ip) = &mut *g;
        *total = total.saturating_sub(1);
        if let Some(n) = per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                // The map holds only addresses with open connections: it cannot grow without
                // bound under a spray of source addresses.
                per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_per_address_and_in_total_and_free_on_drop() {
        let l = ConnLimiter::new("t", 3, 2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let s1 = l.try_acquire(a).unwrap();
        let _s2 = l.try_acquire(a).unwrap();
        assert_eq!(l.try_acquire(a).unwrap_err(), Refused::PerIp);
        let _s3 = l.try_acquire(b).unwrap();
        assert_eq!(l.try_acquire(b).unwrap_err(), Refused::Total);
        drop(s1);
        let _s4 = l.try_acquire(a).unwrap();
        assert_eq!(l.open(), 3);
    }
}
