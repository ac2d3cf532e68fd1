//! The port as served by `GET /api/v1/port`.

use serde_json::{Value, json};

use crate::model::*;

impl Port {
    /// The JSON body of `GET /api/v1/port`: every item with its `id`, geometry as GeoJSON
    /// geometry objects (WGS 84 `[lon, lat]`), and the measured summary.
    pub fn to_api_json(&self) -> Value {
        let geometry = |feature: &str| self.feature_geojson(feature).unwrap_or(Value::Null);
        let sites: Vec<Value> = self
            .sites
            .iter()
            .map(|s| {
                json!({
                    "id": s.id, "name": s.name, "kind": s.kind, "agencies": s.agencies,
                    "duty_points": self.duty_points_of_site(&s.id).map(|d| d.id.as_str()).collect::<Vec<_>>(),
                    "geometry": geometry(&s.feature),
                })
            })
            .collect();
        let duty_points: Vec<Value> = self
            .duty_points
            .iter()
            .map(|d| json!({ "id": d.id, "site": d.site, "name": d.name, "geometry": geometry(&d.feature) }))
            .collect();
        let lanes: Vec<Value> = self
            .lanes
            .iter()
            .map(|l| {
                json!({
                    "id": l.id, "site": l.site, "name": l.name, "kind": l.kind, "channel": l.channel,
                    "direction": l.direction, "rules": l.rules,
                    "geometry": l.feature.as_deref().map_or(Value::Null, geometry),
                })
            })
            .collect();
        let zones: Vec<Value> = self
            .zones
            .iter()
            .map(|z| {
                json!({ "id": z.id, "kind": z.kind, "priority": z.priority, "name": z.name, "geometry": geometry(&z.feature) })
            })
            .collect();
        let border_line = self.border_line.as_ref().map_or(
            Value::Null,
            |b| json!({ "id": b.id, "name": b.name, "geometry": geometry(&b.feature) }),
        );
        let markers: Vec<Value> = self
            .markers
            .iter()
            .map(|m| json!({ "id": m.id, "number": m.number, "geometry": geometry(&m.feature) }))
            .collect();
        let places: std::collections::BTreeMap<&str, [f64; 2]> = self
            .sensor_places()
            .map(|p| (p.sensor.id.as_str(), [p.position.x(), p.position.y()]))
            .collect();
        let sensors: Vec<Value> = self
            .sensors
            .iter()
            .map(|s| {
                json!({
                    "id": s.id, "kind": s.kind, "duty_point": s.duty_point, "maintenance": s.maintenance,
                    "geometry": geometry(&s.feature),
                    "position": places.get(s.id.as_str()).map(|p| json!({ "type": "Point", "coordinates": p })),
                })
            })
            .collect();
        let cameras: Vec<Value> = self
            .cameras
            .iter()
            .map(|c| {
                json!({ "id": c.id, "kind": c.kind, "duty_point": c.duty_point, "maintenance": c.maintenance, "lane": c.lane, "direction": c.direction, "geometry": geometry(&c.feature) })
            })
            .collect();
        let units: Vec<Value> = self
            .units
            .iter()
            .map(|u| {
                json!({ "id": u.id, "name": u.name, "kind": u.kind, "duty_point": u.duty_point, "terminal_id": u.terminal_id, "call_sign": u.call_sign })
            })
            .collect();
        let links: Vec<Value> = self
            .links
            .iter()
            .map(|l| json!({ "id": l.id, "of": l.of, "role": l.role, "medium": l.medium }))
            .collect();
        json!({
            "id": self.info.id,
            "name": self.info.name,
            "origin": { "type": "Point", "coordinates": [self.info.origin.lon, self.info.origin.lat] },
            "timezone": self.info.timezone,
            "country": self.info.country,
            "neighbour": self.info.neighbour,
            "sites": sites,
            "duty_points": duty_points,
            "lanes": lanes,
            "zones": zones,
            "border_line": border_line,
            "boundary_markers": markers,
            "sensors": sensors,
            "cameras": cameras,
            "units": units,
            "links": links,
            "trains": self.trains,
            "train_services": self.train_services,
            "summary": self.summary(),
        })
    }
}
