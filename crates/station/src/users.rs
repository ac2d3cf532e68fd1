//! Users and tokens, the same use cases for the API and the CLI, so both journal the same
//! facts. Password and token hashes go to projections only, never to the journal.

use guomen_domain::{Grade, Role, Scopes};
use guomen_store::{Change, Projection, TokenRecord, UserRecord};

use crate::auth::{hash_password, new_id, new_token, validate_password};
use crate::event::{Event, TokenIssued, TokenRevoked, UserCreated, UserRef, UserRoleChanged};
use crate::{Station, StationError, StationResult};

pub fn validate_name(name: &str) -> StationResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(StationError::unprocessable(format!(
            "user name `{}` is invalid: use 1 to 64 of a-z, 0-9, `.`, `_`, `-`",
            name.chars().take(80).collect::<String>()
        )))
    }
}

fn validate_agency(role: Role, agency: Option<&str>) -> StationResult<Option<String>> {
    let agency = agency.map(str::trim).filter(|a| !a.is_empty());
    match agency {
        Some(a) if a.chars().count() > 80 => Err(StationError::unprocessable(
            "`agency` must have at most 80 characters",
        )),
        Some(a) => Ok(Some(a.to_owned())),
        // A partner without an agency would see no partner's incidents but its own.
        None if role == Role::Partner => Err(StationError::unprocessable(
            "a partner user needs an `agency` (e.g. customs, railway, military border unit)",
        )),
        None => Ok(None),
    }
}

fn validate_organisation(role: Role, organisation: Option<&str>) -> StationResult<Option<String>> {
    let organisation = organisation.map(str::trim).filter(|a| !a.is_empty());
    match organisation {
        Some(o) if o.chars().count() > 120 => Err(StationError::unprocessable(
            "`organisation` must have at most 120 characters",
        )),
        Some(_) if role != Role::Carrier => Err(StationError::unprocessable(
            "only a carrier user belongs to an `organisation`",
        )),
        Some(o) => Ok(Some(o.to_owned())),
        // A carrier without an organisation would see nothing but could book for no one.
        None if role == Role::Carrier => Err(StationError::unprocessable(
            "a carrier user needs an `organisation` (e.g. a railway operator or logistics firm)",
        )),
        None => Ok(None),
    }
}

fn validate_scopes(role: Role, scopes: &Scopes) -> StationResult<()> {
    if !scopes.is_empty() && role != Role::Device {
        return Err(StationError::unprocessable(
            "only a device user has scopes (`sensor:ID`, `unit:ID`, ... or `*`)",
        ));
    }
    Ok(())
}

/// An inspector's grade; an inspector created without one is an officer. Other roles have none.
fn validate_grade(role: Role, grade: Option<Grade>) -> StationResult<Option<Grade>> {
    match (role, grade) {
        (Role::Inspector, g) => Ok(Some(g.unwrap_or(Grade::Officer))),
        (_, None) => Ok(None),
        (_, Some(_)) => Err(StationError::unprocessable(
            "only an inspector user has a `grade` (officer, auxiliary, nco)",
        )),
    }
}

async fn hash_blocking(password: String) -> StationResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StationError::internal(format!("hashing task failed: {e}")))?
}

/// A new user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    /// None for token-only principals (devices, scripts).
    pub password: Option<String>,
    /// The partner agency (required for partners).
    pub agency: Option<String>,
    /// The carrier's organisation (required for carriers, refused for anyone else).
    pub organisation: Option<String>,
    /// What a device may speak for (devices only; a device without any may do nothing).
    pub scopes: Scopes,
    /// An inspector's grade (inspectors only; an officer when not given).
    pub grade: Option<Grade>,
}

impl Station {
    fn token_change(
        &self,
        user: &UserRecord,
        label: &str,
        actor: &str,
    ) -> (Change, String, TokenRecord) {
        let (token, hash) = new_token();
        let now = self.now();
        let record = TokenRecord {
            id: new_id(),
            user_id: user.id.clone(),
            hash,
            label: label.to_owned(),
            // Tokens age on wall time: sessions protect the process, not the port.
            created: chrono::Utc::now(),
            revoked: false,
        };
        let event = Event::TokenIssued(TokenIssued {
            token_id: record.id.clone(),
            user_id: user.id.clone(),
            user: user.name.clone(),
            label: label.to_owned(),
            hash: record.hash.clone(),
        });
        let change =
            Change::event(event.to_new(actor, now)).with(Projection::PutToken(record.clone()));
        (change, token, record)
    }

    /// Creates a user and a first API token; returns the user and the token (shown once).
    pub async fn create_user(
        &self,
        new: NewUser,
        actor: &str,
    ) -> StationResult<(UserRecord, String)> {
        validate_name(&new.name)?;
        let agency = validate_agency(new.role, new.agency.as_deref())?;
        let organisation = validate_organisation(new.role, new.organisation.as_deref())?;
        validate_scopes(new.role, &new.scopes)?;
        let grade = validate_grade(new.role, new.grade)?;
        let password_hash = match new.password {
            Some(p) => {
                validate_password(&p)?;
                hash_blocking(p).await?
            }
            None => String::new(),
        };
        if self.store.user_by_name(&new.name).await?.is_some() {
            return Err(StationError::conflict(format!(
                "user `{}` already exists",
                new.name
            )));
        }
        let user = UserRecord {
            id: new_id(),
            name: new.name,
            role: new.role,
            password_hash,
            disabled: false,
            created: chrono::Utc::now(),
            agency,
            organisation,
            scopes: new.scopes,
            grade,
        };
        let event = Event::UserCreated(UserCreated {
            user_id: user.id.clone(),
            name: user.name.clone(),
            role: user.role,
            has_password: !user.password_hash.is_empty(),
            agency: user.agency.clone(),
            organisation: user.organisation.clone(),
            scopes: user.scopes.clone(),
            grade: user.grade,
        });
        let created =
            Change::event(event.to_new(actor, self.now())).with(Projection::PutUser(user.clone()));
        let (tok, token, _) = self.token_change(&user, "created with user", actor);
        self.append(vec![created, tok]).await?;
        Ok((user, token))
    }

    /// Every user, by name.
    pub async fn users(&self) -> StationResult<Vec<UserRecord>> {
        Ok(self.store.users().await?)
    }

    pub async fn user_by_name(&self, name: &str) -> StationResult<Option<UserRecord>> {
        Ok(self.store.user_by_name(name).await?)
    }

    pub async fn user_by_id(&self, id: &str) -> StationResult<Option<UserRecord>> {
        Ok(self.store.user_by_id(id).await?)
    }

    /// A new token for a user (shown once) and its record.
    pub async fn issue_token(
        &self,
        user_id: &str,
        label: &str,
        actor: &str,
    ) -> StationResult<(String, TokenRecord)> {
        let Some(user) = self.store.user_by_id(user_id).await? else {
            return Err(StationError::not_found(format!(
                "no user with id `{user_id}`"
            )));
        };
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 200 {
            return Err(StationError::unprocessable(
                "`label` must have 1 to 200 characters",
            ));
        }
        let (change, token, record) = self.token_change(&user, label, actor);
        self.append(vec![change]).await?;
        Ok((token, record))
    }

    pub async fn set_role(
        &self,
        user_id: &str,
        role: Role,
        actor: &str,
    ) -> StationResult<UserRecord> {
        let Some(mut user) = self.store.user_by_id(user_id).await? else {
            return Err(StationError::not_found(format!(
                "no user with id `{user_id}`"
            )));
        };
        let from = user.role;
        if actor == format!("user:{}", user.name) && from == Role::Admin && role != Role::Admin {
            return Err(StationError::unprocessable(
                "an administrator cannot take away their own admin role",
            ));
        }
        if role == Role::Partner && user.agency.is_none() {
            return Err(StationError::unprocessable(
                "a partner user needs an agency; create a partner user with one",
            ));
        }
        if role == Role::Carrier && user.organisation.is_none() {
            return Err(StationError::unprocessable(
                "a carrier user needs an organisation; create a carrier user with one",
            ));
        }
        user.role = role;
        let event = Event::UserRoleChanged(UserRoleChanged {
            user_id: user.id.clone(),
            name: user.name.clone(),
            from,
            to: role,
        });
        let change =
            Change::event(event.to_new(actor, self.now())).with(Projection::PutUser(user.clone()));
        self.append(vec![change]).await?;
        Ok(user)
    }

    pub async fn set_password(
        &self,
        user_id: &str,
        password: String,
        actor: &str,
    ) -> StationResult<UserRecord> {
        validate_password(&password)?;
        let Some(mut user) = self.store.user_by_id(user_id).await? else {
            return Err(StationError::not_found(format!(
                "no user with id `{user_id}`"
            )));
        };
        user.password_hash = hash_blocking(password).await?;
        let event = Event::UserPasswordSet(UserRef {
            user_id: user.id.clone(),
            name: user.name.clone(),
        });
        let change =
            Change::event(event.to_new(actor, self.now())).with(Projection::PutUser(user.clone()));
        self.append(vec![change]).await?;
        Ok(user)
    }

    pub async fn revoke_token(&self, token_id: &str, actor: &str) -> StationResult<()> {
        let event = Event::TokenRevoked(TokenRevoked {
            token_id: token_id.to_owned(),
        });
        let change = Change::event(event.to_new(actor, self.now())).with(Projection::RevokeToken {
            token_id: token_id.to_owned(),
        });
        self.append(vec![change]).await?;
        Ok(())
    }
}

impl Station {
    /// [`Station::create_user`] without an agency: for staff and devices (partners need one).
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        password: Option<String>,
        actor: &str,
    ) -> StationResult<(UserRecord, String)> {
        let new = NewUser {
            name: name.to_owned(),
            role,
            password,
            agency: None,
            organisation: None,
            scopes: Scopes::default(),
            grade: None,
        };
        self.create_user(new, actor).await
    }
}
