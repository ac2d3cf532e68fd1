//! guomen's server: HTTP API, SSE, MQTT and TCP listeners, auth and roles
