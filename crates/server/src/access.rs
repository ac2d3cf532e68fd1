//! Who may call what: the one table of API routes and the roles allowed on each.
//!
//! Architecture invariant: every route under `/api` appears here exactly once, and the auth
//! layer denies a route that is missing (a test checks the table against the router and the
//! OpenAPI document, and walks every route with every role).

use guomen_domain::Role;
use guomen_domain::Role::*;

#[derive(Debug, Clone, Copy)]
pub struct RouteAccess {
    pub method: &'static str,
    /// The axum route template, exactly as registered.
    pub path: &'static str,
    pub roles: &'static [Role],
}

const EVERYONE: &[Role] = &[
    Admin, DutyChief, Inspector, Analyst, Partner, Carrier, Device,
];
const COMMAND: &[Role] = &[Admin, DutyChief];
const STAFF: &[Role] = &[Admin, DutyChief, Inspector, Analyst];
const AUDIT: &[Role] = &[Admin, Analyst];
const ADMIN: &[Role] = &[Admin];
const DEVICES: &[Role] = &[Admin, Device];
const COMMAND_OR_DEVICE: &[Role] = &[Admin, DutyChief, Device];
const PARTNERS: &[Role] = &[Admin, DutyChief, Partner];
/// The live stream: carriers too (their own organisation's train facts only).
const STREAM: &[Role] = &[Admin, DutyChief, Inspector, Analyst, Partner, Carrier];
const KPI_READERS: &[Role] = &[Admin, DutyChief, Analyst];
const INSPECT: &[Role] = &[Admin, DutyChief, Inspector, Device];
const INSPECTION_READ: &[Role] = &[Admin, DutyChief, Inspector, Analyst, Device];
const DECIDE: &[Role] = &[Admin, DutyChief, Inspector];
const CARRIER: &[Role] = &[Carrier];
const BOOKINGS: &[Role] = &[Admin, DutyChief, Inspector, Carrier];
const VEHICLE_READERS: &[Role] = &[Admin, DutyChief, Inspector, Analyst];
const TRAIN_READ: &[Role] = &[Admin, DutyChief, Inspector, Analyst, Partner, Carrier];
const MANIFEST: &[Role] = &[Admin, DutyChief, Carrier];
const AGENCY: &[Role] = &[Admin, DutyChief, Partner];
const AGENCY_OR_STAFF: &[Role] = &[Admin, DutyChief, Inspector, Partner];
const FLOW_READ: &[Role] = &[Admin, DutyChief, Inspector];
const QUEUE_COUNT: &[Role] = &[Admin, DutyChief, Inspector, Device];
const GROUPS: &[Role] = &[Admin, DutyChief, Carrier];
const ASSIST: &[Role] = &[Admin, DutyChief, Inspector, Carrier];
/// Anyone signed in who is a person: notices are printed for travellers and drivers.
const PEOPLE: &[Role] = &[Admin, DutyChief, Inspector, Analyst, Partner, Carrier];

pub const ACCESS: &[RouteAccess] = &[
    RouteAccess {
        method: "POST",
        path: "/api/v1/trains",
        roles: COMMAND,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/trains",
        roles: TRAIN_READ,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/trains/timetable",
        roles: COMMAND,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/trains/{id}",
        roles: TRAIN_READ,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/trains/{id}/manifest",
        roles: MANIFEST,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/trains/{id}/arrive",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/trains/{id}/agencies/{agency}/done",
        roles: AGENCY,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/trains/{id}/release",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/trains/{id}/verifications",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/trains/{id}/persons/{person_id}/priority",
        roles: AGENCY_OR_STAFF,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/replication",
        roles: KPI_READERS,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/lanes/status",
        roles: FLOW_READ,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/lanes/{lane_id}/queue",
        roles: QUEUE_COUNT,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/lanes/{lane_id}/open",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/lanes/{lane_id}/close",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/lanes/{lane_id}/staff",
        roles: COMMAND,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/lanes/recommendations",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/roster/shifts",
        roles: COMMAND,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/roster",
        roles: FLOW_READ,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/groups",
        roles: GROUPS,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/assistance",
        roles: ASSIST,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/assistance",
        roles: FLOW_READ,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/assistance/{id}/done",
        roles: DECIDE,
    },
    // The duty supervision desk: the duty chief (the role model has no supervisor role).
    RouteAccess {
        method: "POST",
        path: "/api/v1/supervision/checks",
        roles: COMMAND,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/supervision/checks",
        roles: COMMAND,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/notices/{kind}/{lang}",
        roles: PEOPLE,
    },
    RouteAccess {
        method: "PUT",
        path: "/api/v1/notices/{kind}/{lang}",
        roles: ADMIN,
    },
    // Officers countersign an auxiliary's refuse or detain; the station checks the grade.
    RouteAccess {
        method: "POST",
        path: "/api/v1/inspections/{id}/countersign",
        roles: DECIDE,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/openapi.json",
        roles: EVERYONE,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/me",
        roles: EVERYONE,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/port",
        roles: EVERYONE,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/duty-log",
        roles: STAFF,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/duty-log",
        roles: COMMAND,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/journal",
        roles: AUDIT,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/users",
        roles: ADMIN,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/users",
        roles: ADMIN,
    },
    RouteAccess {
        method: "PUT",
        path: "/api/v1/users/{id}/role",
        roles: ADMIN,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/users/{id}/tokens",
        roles: ADMIN,
    },
    RouteAccess {
        method: "DELETE",
        path: "/api/v1/tokens/{id}",
        roles: ADMIN,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/sensor-events",
        roles: DEVICES,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/incidents",
        roles: STAFF,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/incidents",
        roles: COMMAND,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/incidents/{id}",
        roles: STAFF,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/incidents/{id}/acknowledge",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/incidents/{id}/dispatch",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/incidents/{id}/en-route",
        roles: COMMAND_OR_DEVICE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/incidents/{id}/on-scene",
        roles: COMMAND_OR_DEVICE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/incidents/{id}/resolve",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/incidents/{id}/close",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/incidents/{id}/reopen",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/notifications",
        roles: PARTNERS,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/units",
        roles: STAFF,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/units/{id}/status",
        roles: COMMAND_OR_DEVICE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/positions",
        roles: DEVICES,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/links",
        roles: STAFF,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/links/{id}/heartbeat",
        roles: DEVICES,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/duty-points/{id}/outbox",
        roles: COMMAND_OR_DEVICE,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/stream",
        roles: STREAM,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/kpis",
        roles: KPI_READERS,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/inspections",
        roles: INSPECT,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/inspections/{id}",
        roles: INSPECTION_READ,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/inspections/{id}/decision",
        roles: DECIDE,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/crossings",
        roles: STAFF,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/stats/today",
        roles: STAFF,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/stats/crossings",
        roles: STAFF,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/stats/region-totals/{year}",
        roles: STAFF,
    },
    RouteAccess {
        method: "PUT",
        path: "/api/v1/stats/region-totals/{year}",
        roles: AUDIT,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/stats/rebuild",
        roles: ADMIN,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/reports/annual",
        roles: STAFF,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/reports/monthly",
        roles: STAFF,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/cases/kinds",
        roles: STAFF,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/cases",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/cases",
        roles: DECIDE,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/cases/{id}",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/cases/{id}/status",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/cases/{id}/close",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/cases/{id}/seizures",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/cases/{id}/evidence",
        roles: DECIDE,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/cases/{id}/evidence/{sha256}",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/watchlists/{list}/import",
        roles: ADMIN,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/watchlists/stats",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/appointments",
        roles: CARRIER,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/appointments",
        roles: BOOKINGS,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/appointments/{id}",
        roles: BOOKINGS,
    },
    RouteAccess {
        method: "PATCH",
        path: "/api/v1/appointments/{id}",
        roles: CARRIER,
    },
    RouteAccess {
        method: "DELETE",
        path: "/api/v1/appointments/{id}",
        roles: CARRIER,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/appointments/slots",
        roles: BOOKINGS,
    },
    RouteAccess {
        method: "PUT",
        path: "/api/v1/appointments/capacity",
        roles: COMMAND,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/trusted-traders",
        roles: ADMIN,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/trusted-traders",
        roles: STAFF,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/anpr",
        roles: DEVICES,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/vehicles",
        roles: VEHICLE_READERS,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/vehicles/kpis",
        roles: KPI_READERS,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/vehicles/{id}/inspection",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/vehicles/{id}/checks",
        roles: DECIDE,
    },
    RouteAccess {
        method: "POST",
        path: "/api/v1/vehicles/{id}/release",
        roles: DECIDE,
    },
];

/// Roles allowed on a route, `None` when the route is not in the table (deny).
pub fn allowed_roles(method: &str, path: &str) -> Option<&'static [Role]> {
    ACCESS
        .iter()
        .find(|r| r.method == method && r.path == path)
        .map(|r| r.roles)
}
