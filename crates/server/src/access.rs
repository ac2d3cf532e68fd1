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

const EVERYONE: &[Role] = &[Admin, DutyChief, Inspector, Analyst, Partner, Device];
const COMMAND: &[Role] = &[Admin, DutyChief];
const STAFF: &[Role] = &[Admin, DutyChief, Inspector, Analyst];
const AUDIT: &[Role] = &[Admin, Analyst];
const ADMIN: &[Role] = &[Admin];
const DEVICES: &[Role] = &[Admin, Device];
const COMMAND_OR_DEVICE: &[Role] = &[Admin, DutyChief, Device];
const PARTNERS: &[Role] = &[Admin, DutyChief, Partner];
const WATCHERS: &[Role] = &[Admin, DutyChief, Inspector, Analyst, Partner];
const KPI_READERS: &[Role] = &[Admin, DutyChief, Analyst];
const INSPECT: &[Role] = &[Admin, DutyChief, Inspector, Device];
const INSPECTION_READ: &[Role] = &[Admin, DutyChief, Inspector, Analyst, Device];
const DECIDE: &[Role] = &[Admin, DutyChief, Inspector];
const FLOW_READ: &[Role] = &[Admin, DutyChief, Inspector];
const QUEUE_COUNT: &[Role] = &[Admin, DutyChief, Inspector, Device];
const GROUPS: &[Role] = &[Admin, DutyChief, Carrier];
const ASSIST: &[Role] = &[Admin, DutyChief, Inspector, Carrier];

pub const ACCESS: &[RouteAccess] = &[
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
        roles: WATCHERS,
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
        method: "POST",
        path: "/api/v1/watchlists/{list}/import",
        roles: ADMIN,
    },
    RouteAccess {
        method: "GET",
        path: "/api/v1/watchlists/stats",
        roles: COMMAND,
    },
];

/// Roles allowed on a route, `None` when the route is not in the table (deny).
pub fn allowed_roles(method: &str, path: &str) -> Option<&'static [Role]> {
    ACCESS
        .iter()
        .find(|r| r.method == method && r.path == path)
        .map(|r| r.roles)
}
