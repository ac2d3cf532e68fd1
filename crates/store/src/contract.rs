//! The contract suite every store backend runs against itself.
//!
//! A backend's test binary implements [`Backend`] for one case's private storage (a temporary
//! directory, a fresh PostgreSQL schema), then runs every entry of [`cases`] on its own
//! backend instance. Cases return `Err(message)` on failure so the runner reports it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use guomen_domain::{Role, Scopes};
use serde_json::json;

use crate::{
    Change, CountRow, CrossingFilter, CrossingKey, CrossingRecord, NewEvent, Projection, Store,
    StoreError, StoreResult, TokenRecord, UserRecord, Verification,
};

/// A raw edit behind the store's back, as an administrator with file or database access could
/// make it. Backends implement it with their own SQL (dropping or disabling the append-only
/// triggers first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Rewrite the payload of event `seq` (the stored hash is left alone).
    EditPayload { seq: u64 },
    /// Delete event `seq`.
    Delete { seq: u64 },
    /// Shift every event from `at` on up by one and put a copy of event `from` at `at`
    /// (a replayed event).
    InsertCopy { at: u64, from: u64 },
    /// Swap the contents (everything but `seq`) of events `seq` and `seq + 1`.
    Swap { seq: u64 },
}

/// One case's storage.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Opens a store on this case's storage: empty on the first call, the same data on later
    /// calls (after the previous store was closed).
    async fn open(&self) -> StoreResult<Arc<dyn Store>>;
    /// Applies a raw edit to the journal.
    async fn tamper(&self, tamper: Tamper) -> Result<(), String>;
}

/// What a case returns.
pub type CaseResult = Result<(), String>;
/// A case: gets its own backend, returns a future the runner drives.
pub type Case = fn(Arc<dyn Backend>) -> Pin<Box<dyn Future<Output = CaseResult> + Send>>;

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name), (|b| Box::pin($name(b))) as Case)),*]
    };
}

/// Every case, by name.
pub fn cases() -> Vec<(&'static str, Case)> {
    cases![
        station_clock_times_are_kept_and_never_go_back,
        users_keep_their_agency,
        append_and_read_back,
        seq_is_contiguous_and_hashes_verify,
        empty_journal,
        bad_input_is_invalid,
        concurrent_appends,
        failing_request_does_not_fail_others,
        multi_change_request_is_atomic,
        users_projection,
        tokens_projection,
        duty_log_paging,
        crossings_filters,
        crossing_counts_group_and_rebuild,
        docs_put_and_delete,
        journal_paging_and_kinds,
        verify_detects_edit,
        verify_detects_delete,
        verify_detects_insert,
        verify_detects_reorder,
        close_then_append_is_closed,
        reopen_keeps_data,
        replication_cursor_only_moves_forward,
    ]
}

fn check(cond: bool, what: impl FnOnce() -> String) -> CaseResult {
    if cond { Ok(()) } else { Err(what()) }
}

fn ok<T>(r: StoreResult<T>, what: &str) -> Result<T, String> {
    r.map_err(|e| format!("{what}: {e}"))
}

fn eq<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) -> CaseResult {
    check(got == want, || {
        format!("{what}: got {got:?}, want {want:?}")
    })
}

fn note(i: u64) -> Change {
    let id = format!("d{i}");
    Change::event(NewEvent::new(
        "duty_log.written",
        "user:chief",
        json!({"id": id, "text": format!("note {i}")}),
    ))
    .with(Projection::AddDutyLog {
        id,
        author: "chief".into(),
        text: format!("note {i}"),
    })
}

fn plain(kind: &str, i: u64) -> Change {
    Change::event(NewEvent::new(kind, "system", json!({"i": i})))
}

fn user(id: &str, name: &str, role: Role) -> UserRecord {
    UserRecord {
        id: id.into(),
        name: name.into(),
        role,
        password_hash: String::new(),
        disabled: false,
        created: DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000),
        agency: (role == Role::Partner).then(|| "customs".to_owned()),
        organisation: (role == Role::Carrier).then(|| "China Railway Hohhot".to_owned()),
        scopes: if role == Role::Device {
            "sensor:F-07,unit:rrt-1".parse().expect("valid scopes")
        } else {
            Scopes::default()
        },
        grade: (role == Role::Inspector).then_some(guomen_domain::Grade::Auxiliary),
    }
}

fn add_user(u: &UserRecord) -> Change {
    Change::event(NewEvent::new(
        "user.added",
        "user:admin",
        json!({"id": u.id, "name": u.name, "role": u.role}),
    ))
    .with(Projection::PutUser(u.clone()))
}

async fn open(b: &Arc<dyn Backend>) -> Result<Arc<dyn Store>, String> {
    ok(b.open().await, "open")
}

async fn fill(s: &Arc<dyn Store>, n: u64) -> CaseResult {
    for i in 1..=n {
        ok(s.append(vec![plain("test.event", i)]).await, "append")?;
    }
    Ok(())
}

async fn expect_intact(s: &Arc<dyn Store>, events: u64) -> CaseResult {
    match ok(s.verify().await, "verify")? {
        Verification::Intact {
            events: n,
            head_seq,
            head_hash,
        } => {
            eq(n, events, "verified events")?;
            eq(head_seq, events, "verified head seq")?;
            let head = ok(s.head().await, "head")?;
            if events > 0 {
                eq(head, Some((head_seq, head_hash)), "head after verify")?;
            }
            Ok(())
        }
        broken => Err(format!(
            "expected an intact chain of {events}, got {broken:?}"
        )),
    }
}

/// Appends, reads back every field, checks the hash recomputes from what is stored.
pub async fn append_and_read_back(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    eq(
        ok(s.head().await, "head")?,
        None,
        "head of an empty journal",
    )?;
    let payload = json!({"text": "gate 3 opened", "n": 1.5, "nested": {"zh": "国门"}});
    let got = ok(
        s.append(vec![Change::event(NewEvent::new(
            "lane.opened",
            "user:chief",
            payload.clone(),
        ))])
        .await,
        "append",
    )?;
    eq(got.len(), 1, "appended count")?;
    let a = &got[0];
    eq(a.seq, 1, "first seq")?;
    let events = ok(s.journal(0, 10, None).await, "journal")?;
    eq(events.len(), 1, "journal length")?;
    let e = &events[0];
    eq(e.seq, 1, "seq")?;
    eq(e.time, a.time, "time")?;
    eq(e.hash.as_str(), a.hash.as_str(), "hash")?;
    eq(e.kind.as_str(), "lane.opened", "kind")?;
    eq(e.actor.as_str(), "user:chief", "actor")?;
    eq(&e.payload, &payload, "payload")?;
    eq(
        e.prev_hash.as_str(),
        crate::GENESIS_HASH,
        "prev_hash of the first event",
    )?;
    let text = serde_json::to_string(&payload).map_err(|e| e.to_string())?;
    let recomputed = crate::chain_hash(
        crate::GENESIS_HASH,
        1,
        &crate::format_time(e.time),
        &e.actor,
        &e.kind,
        &text,
    );
    eq(recomputed, e.hash.clone(), "hash recomputed from the event")?;
    let now = Utc::now();
    check((now - a.time).num_seconds().abs() < 60, || {
        format!("event time {} is not now ({now})", a.time)
    })?;
    eq(
        ok(s.head().await, "head")?,
        Some((1, a.hash.clone())),
        "head",
    )?;
    ok(s.ping().await, "ping")?;
    s.close().await;
    Ok(())
}

/// Seqs run 1, 2, 3... with each event linked to its predecessor; times never go back.
pub async fn seq_is_contiguous_and_hashes_verify(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    let batch: Vec<Change> = (1..=5).map(|i| plain("test.event", i)).collect();
    let got = ok(s.append(batch).await, "append 5")?;
    eq(
        got.iter().map(|a| a.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5],
        "seqs of one request",
    )?;
    fill(&s, 20).await?;
    let events = ok(s.journal(0, 1000, None).await, "journal")?;
    eq(events.len(), 25, "journal length")?;
    let mut prev = crate::GENESIS_HASH.to_owned();
    for (i, e) in events.iter().enumerate() {
        eq(e.seq, i as u64 + 1, "seq")?;
        eq(e.prev_hash.clone(), prev.clone(), "prev_hash link")?;
        prev = e.hash.clone();
    }
    for w in events.windows(2) {
        check(w[0].time <= w[1].time, || {
            format!("time goes back between {} and {}", w[0].seq, w[1].seq)
        })?;
    }
    expect_intact(&s, 25).await?;
    s.close().await;
    Ok(())
}

/// An event at the station clock's time keeps that time (to the microsecond); one earlier
/// than its predecessor takes the predecessor's time, so the journal never goes back.
pub async fn station_clock_times_are_kept_and_never_go_back(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    let t0 =
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(30_000) + Duration::nanoseconds(1_234_567);
    let at = |t| Change::event(NewEvent::new("test.event", "system", json!({})).at(t));
    let got = ok(
        s.append(vec![
            at(t0),
            at(t0 - Duration::hours(1)),
            at(t0 + Duration::minutes(5)),
        ])
        .await,
        "append at station times",
    )?;
    let micros = DateTime::from_timestamp_micros(t0.timestamp_micros()).unwrap_or(t0);
    eq(got[0].time, micros, "the given time, to the microsecond")?;
    eq(
        got[1].time,
        micros,
        "an earlier time is raised to the previous one",
    )?;
    eq(
        got[2].time,
        micros + Duration::minutes(5),
        "a later time is kept",
    )?;
    let events = ok(s.journal(0, 10, None).await, "journal")?;
    eq(
        events.iter().map(|e| e.time).collect::<Vec<_>>(),
        got.iter().map(|a| a.time).collect::<Vec<_>>(),
        "stored times",
    )?;
    expect_intact(&s, 3).await?;
    s.close().await;
    Ok(())
}

/// A user's agency, organisation, scopes and grade are stored and read back; a user without
/// them has none.
pub async fn users_keep_their_agency(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    let partner = user("u1", "customs-desk", Role::Partner);
    let chief = user("u2", "chief", Role::DutyChief);
    let carrier = user("u3", "railway-ops", Role::Carrier);
    let device = user("u4", "fence-gw", Role::Device);
    let auxiliary = user("u5", "aux-bao", Role::Inspector);
    ok(
        s.append(vec![
            add_user(&partner),
            add_user(&chief),
            add_user(&carrier),
            add_user(&device),
            add_user(&auxiliary),
        ])
        .await,
        "add users",
    )?;
    for expected in [&partner, &chief, &carrier, &device, &auxiliary] {
        let got = ok(s.user_by_id(&expected.id).await, "user_by_id")?;
        eq(got.as_ref(), Some(expected), "user read back as written")?;
    }
    let got = ok(s.user_by_name("customs-desk").await, "user_by_name")?;
    eq(
        got.and_then(|u| u.agency),
        Some("customs".to_owned()),
        "partner's agency",
    )?;
    let got = ok(s.user_by_id("u2").await, "user_by_id")?;
    eq(got.and_then(|u| u.agency), None, "no agency")?;
    let got = ok(s.user_by_name("aux-bao").await, "user_by_name")?;
    eq(
        got.and_then(|u| u.grade),
        Some(guomen_domain::Grade::Auxiliary),
        "inspector's grade",
    )?;
    let got = ok(s.user_by_id("u2").await, "user_by_id")?;
    eq(got.and_then(|u| u.grade), None, "no grade")?;
    s.close().await;
    Ok(())
}

/// An empty journal verifies as intact with no events.
pub async fn empty_journal(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    match ok(s.verify().await, "verify")? {
        Verification::Intact {
            events: 0,
            head_seq: 0,
            ..
        } => {}
        other => return Err(format!("empty journal verified as {other:?}")),
    }
    eq(
        ok(s.journal(0, 10, None).await, "journal")?.len(),
        0,
        "journal",
    )?;
    eq(
        ok(s.append(Vec::new()).await, "empty append")?.len(),
        0,
        "empty append",
    )?;
    eq(
        ok(s.head().await, "head")?,
        None,
        "head after an empty append",
    )?;
    s.close().await;
    Ok(())
}

/// Events without kind or actor, or with a non-object payload, are refused whole.
pub async fn bad_input_is_invalid(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    for bad in [
        NewEvent::new("", "system", json!({})),
        NewEvent::new("k", " ", json!({})),
        NewEvent::new("k", "system", json!([1, 2])),
        NewEvent::new("k", "system", json!("text")),
    ] {
        let r = s
            .append(vec![plain("test.ok", 1), Change::event(bad.clone())])
            .await;
        check(matches!(r, Err(StoreError::Invalid(_))), || {
            format!("{bad:?} gave {r:?}, want Invalid")
        })?;
    }
    let r = s
        .append(vec![plain("test.ok", 1).with(Projection::RevokeToken {
            token_id: "nope".into(),
        })])
        .await;
    check(matches!(r, Err(StoreError::Invalid(_))), || {
        format!("revoking an unknown token gave {r:?}, want Invalid")
    })?;
    eq(
        ok(s.head().await, "head")?,
        None,
        "head after refused writes",
    )?;
    fill(&s, 1).await?;
    expect_intact(&s, 1).await?;
    s.close().await;
    Ok(())
}

/// Many tasks append at once: every acknowledged event is present, seqs are unique and
/// contiguous, the chain verifies.
pub async fn concurrent_appends(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    let tasks = 32u64;
    let each = 25u64;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let s = Arc::clone(&s);
        handles.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            for i in 0..each {
                let a = s.append(vec![note(t * 1000 + i)]).await?;
                acks.extend(a.into_iter().map(|a| (t * 1000 + i, a)));
            }
            Ok::<_, StoreError>(acks)
        }));
    }
    let mut acks = Vec::new();
    for h in handles {
        acks.extend(
            h.await
                .map_err(|e| format!("task: {e}"))?
                .map_err(|e| e.to_string())?,
        );
    }
    eq(acks.len() as u64, tasks * each, "acknowledged")?;
    let mut seqs: Vec<u64> = acks.iter().map(|(_, a)| a.seq).collect();
    seqs.sort_unstable();
    eq(
        seqs,
        (1..=tasks * each).collect::<Vec<_>>(),
        "acknowledged seqs",
    )?;
    let events = ok(s.journal(0, 10_000, None).await, "journal")?;
    eq(events.len() as u64, tasks * each, "journal length")?;
    for (i, a) in &acks {
        let e = events
            .get(usize::try_from(a.seq - 1).map_err(|e| e.to_string())?)
            .ok_or_else(|| format!("event {} missing", a.seq))?;
        eq(e.hash.clone(), a.hash.clone(), "acknowledged hash")?;
        eq(
            e.payload["id"].clone(),
            json!(format!("d{i}")),
            "payload of ack",
        )?;
    }
    let log = ok(s.duty_log(10_000, None).await, "duty log")?;
    eq(log.len() as u64, tasks * each, "duty log entries")?;
    expect_intact(&s, tasks * each).await?;
    s.close().await;
    Ok(())
}

/// A request whose projection conflicts is refused alone; requests committed with it stand
/// and the chain has no hole where it was.
pub async fn failing_request_does_not_fail_others(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    ok(
        s.append(vec![add_user(&user("u1", "wang", Role::Inspector))])
            .await,
        "add wang",
    )?;
    for round in 0..3u64 {
        let mut handles = Vec::new();
        for i in 0..40u64 {
            let s = Arc::clone(&s);
            handles.push(tokio::spawn(async move {
                if i % 10 == 5 {
                    let dup = user(&format!("dup{round}-{i}"), "wang", Role::Analyst);
                    (true, s.append(vec![add_user(&dup)]).await)
                } else {
                    (false, s.append(vec![note(round * 100 + i)]).await)
                }
            }));
        }
        for h in handles {
            let (dup, r) = h.await.map_err(|e| format!("task: {e}"))?;
            if dup {
                check(
                    matches!(&r, Err(StoreError::Conflict(m)) if m.contains("wang")),
                    || format!("duplicate name gave {r:?}, want Conflict naming `wang`"),
                )?;
            } else {
                r.map_err(|e| format!("a good request failed next to a bad one: {e}"))?;
            }
        }
    }
    let users = ok(s.users().await, "users")?;
    eq(users.len(), 1, "users after conflicts")?;
    expect_intact(&s, 1 + 3 * 36).await?;
    s.close().await;
    Ok(())
}

/// All changes of one request land together or not at all.
pub async fn multi_change_request_is_atomic(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    ok(
        s.append(vec![add_user(&user("u1", "li", Role::Admin))])
            .await,
        "add li",
    )?;
    let r = s
        .append(vec![
            note(1),
            add_user(&user("u2", "zhao", Role::Analyst)),
            add_user(&user("u3", "li", Role::Analyst)),
        ])
        .await;
    check(matches!(r, Err(StoreError::Conflict(_))), || {
        format!("want Conflict, got {r:?}")
    })?;
    eq(
        ok(s.duty_log(10, None).await, "duty log")?.len(),
        0,
        "duty log after rollback",
    )?;
    eq(
        ok(s.user_by_name("zhao").await, "zhao")?,
        None,
        "zhao after rollback",
    )?;
    let got = ok(
        s.append(vec![note(2), note(3)]).await,
        "append after rollback",
    )?;
    eq(
        got.iter().map(|a| a.seq).collect::<Vec<_>>(),
        vec![2, 3],
        "seqs after rollback",
    )?;
    expect_intact(&s, 3).await?;
    s.close().await;
    Ok(())
}

/// Users by id and name, replaced by id, listed by name; a taken name is a conflict.
pub async fn users_projection(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    let mut zhang = user("u1", "zhang", Role::Inspector);
    zhang.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into();
    let bao = user("u2", "bao", Role::DutyChief);
    ok(
        s.append(vec![add_user(&zhang), add_user(&bao)]).await,
        "add users",
    )?;
    eq(
        ok(s.user_by_name("zhang").await, "by name")?,
        Some(zhang.clone()),
        "by name",
    )?;
    eq(
        ok(s.user_by_id("u2").await, "by id")?,
        Some(bao.clone()),
        "by id",
    )?;
    eq(
        ok(s.user_by_name("nobody").await, "unknown")?,
        None,
        "unknown name",
    )?;
    eq(ok(s.user_by_id("u9").await, "unknown")?, None, "unknown id")?;
    zhang.role = Role::Admin;
    zhang.disabled = true;
    ok(s.append(vec![add_user(&zhang)]).await, "replace")?;
    eq(
        ok(s.user_by_id("u1").await, "replaced")?,
        Some(zhang.clone()),
        "replaced",
    )?;
    eq(
        ok(s.users().await, "users")?,
        vec![bao.clone(), zhang.clone()],
        "users by name",
    )?;
    let r = s
        .append(vec![add_user(&user("u3", "bao", Role::Partner))])
        .await;
    check(matches!(r, Err(StoreError::Conflict(_))), || {
        format!("dup name: {r:?}")
    })?;
    s.close().await;
    Ok(())
}

/// Tokens are found by hash; revoking marks them; a duplicate hash is a conflict.
pub async fn tokens_projection(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    let t = TokenRecord {
        id: "t1".into(),
        user_id: "u1".into(),
        hash: "ab".repeat(32),
        label: "cli".into(),
        created: DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_001),
        revoked: false,
    };
    let put = |t: &TokenRecord| {
        Change::event(NewEvent::new(
            "token.issued",
            "user:admin",
            json!({"id": t.id}),
        ))
        .with(Projection::PutToken(t.clone()))
    };
    ok(s.append(vec![put(&t)]).await, "put token")?;
    eq(
        ok(s.token_by_hash(&t.hash).await, "by hash")?,
        Some(t.clone()),
        "token",
    )?;
    eq(
        ok(s.token_by_hash("cd").await, "unknown")?,
        None,
        "unknown hash",
    )?;
    let mut dup = t.clone();
    dup.id = "t2".into();
    let r = s.append(vec![put(&dup)]).await;
    check(matches!(r, Err(StoreError::Conflict(_))), || {
        format!("dup hash: {r:?}")
    })?;
    ok(
        s.append(vec![
            Change::event(NewEvent::new(
                "token.revoked",
                "user:admin",
                json!({"id": "t1"}),
            ))
            .with(Projection::RevokeToken {
                token_id: "t1".into(),
            }),
        ])
        .await,
        "revoke",
    )?;
    let by_id = ok(s.token_by_id(&t.id).await, "by id after revoke")?;
    check(by_id.is_some_and(|r| r.revoked && r.hash == t.hash), || {
        "token by id: revoked and same hash".to_owned()
    })?;
    eq(
        ok(s.token_by_id("nope").await, "unknown id")?,
        None,
        "unknown id",
    )?;
    let got = ok(s.token_by_hash(&t.hash).await, "after revoke")?;
    eq(got.map(|t| t.revoked), Some(true), "revoked")?;
    // Every token, revoked ones included, for `journal verify` to compare with the journal.
    let all = ok(s.tokens().await, "every token")?;
    check(
        all.iter()
            .any(|r| r.id == t.id && r.revoked && r.hash == t.hash && r.user_id == t.user_id),
        || format!("tokens(): the revoked token is listed with its hash, got {all:?}"),
    )?;
    s.close().await;
    Ok(())
}

/// The duty log is newest first and pages by `before`; entries carry their event's seq/time.
pub async fn duty_log_paging(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    fill(&s, 2).await?;
    let mut acks = Vec::new();
    for i in 0..25 {
        acks.extend(ok(s.append(vec![note(i)]).await, "note")?);
    }
    let first = ok(s.duty_log(10, None).await, "page 1")?;
    eq(first.len(), 10, "page 1 length")?;
    let top = acks.last().ok_or("no acks")?;
    eq(first[0].seq, top.seq, "newest first")?;
    eq(first[0].time, top.time, "entry time is the event's")?;
    eq(first[0].id.as_str(), "d24", "newest id")?;
    eq(first[0].text.as_str(), "note 24", "text")?;
    eq(first[0].author.as_str(), "chief", "author")?;
    let mut all = first.clone();
    let mut before = first.last().map(|e| e.seq);
    loop {
        let page = ok(s.duty_log(10, before).await, "page")?;
        if page.is_empty() {
            break;
        }
        before = page.last().map(|e| e.seq);
        all.extend(page);
    }
    eq(all.len(), 25, "entries over all pages")?;
    check(all.windows(2).all(|w| w[0].seq > w[1].seq), || {
        "not newest first".into()
    })?;
    eq(
        ok(s.duty_log(0, None).await, "limit 0")?.len(),
        0,
        "limit 0",
    )?;
    let r = s.append(vec![note(3)]).await;
    check(matches!(r, Err(StoreError::Conflict(_))), || {
        format!("dup entry id: {r:?}")
    })?;
    s.close().await;
    Ok(())
}

fn crossing(id: &str, site: &str, lane: &str, dir: &str, nat: &str, dec: &str) -> Change {
    let c = CrossingRecord {
        id: id.into(),
        seq: 0,
        time: DateTime::<Utc>::UNIX_EPOCH,
        site_id: site.into(),
        lane_id: lane.into(),
        direction: dir.into(),
        nationality: nat.into(),
        decision: dec.into(),
        decided_by: format!("gate:{lane}"),
        detail: json!({"reasons": [], "doc": {"issuer": nat}}),
    };
    Change::event(NewEvent::new(
        "crossing.decided",
        "gate:x",
        json!({"id": id}),
    ))
    .with(Projection::AddCrossing(c))
}

/// Every crossing filter, alone and combined, plus time range and paging.
pub async fn crossings_filters(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    let rows = [
        ("c1", "road", "r1", "entry", "MNG", "clear"),
        ("c2", "road", "r2", "exit", "CHN", "clear"),
        ("c3", "rail", "k1", "entry", "MNG", "secondary"),
        ("c4", "rail", "k1", "exit", "RUS", "refuse"),
        ("c5", "road", "r1", "entry", "CHN", "clear"),
        ("c6", "air", "a1", "entry", "MNG", "detain"),
    ];
    let mut acks = Vec::new();
    for (id, site, lane, dir, nat, dec) in rows {
        acks.extend(ok(
            s.append(vec![crossing(id, site, lane, dir, nat, dec)])
                .await,
            id,
        )?);
    }
    let ids = |v: Vec<CrossingRecord>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let base = CrossingFilter {
        limit: 100,
        ..CrossingFilter::default()
    };
    let all = ok(s.crossings(&base).await, "all")?;
    eq(all.len(), 6, "all")?;
    let c1 = &all[0];
    eq(c1.seq, acks[0].seq, "seq from the event")?;
    eq(c1.time, acks[0].time, "time from the event")?;
    eq(
        &c1.detail,
        &json!({"reasons": [], "doc": {"issuer": "MNG"}}),
        "detail",
    )?;
    eq(c1.decided_by.as_str(), "gate:r1", "decided_by")?;
    let cases: Vec<(CrossingFilter, Vec<&str>)> = vec![
        (
            CrossingFilter {
                site_id: Some("road".into()),
                ..base.clone()
            },
            vec!["c1", "c2", "c5"],
        ),
        (
            CrossingFilter {
                lane_id: Some("k1".into()),
                ..base.clone()
            },
            vec!["c3", "c4"],
        ),
        (
            CrossingFilter {
                direction: Some("exit".into()),
                ..base.clone()
            },
            vec!["c2", "c4"],
        ),
        (
            CrossingFilter {
                nationality: Some("MNG".into()),
                ..base.clone()
            },
            vec!["c1", "c3", "c6"],
        ),
        (
            CrossingFilter {
                decision: Some("clear".into()),
                ..base.clone()
            },
            vec!["c1", "c2", "c5"],
        ),
        (
            CrossingFilter {
                site_id: Some("road".into()),
                direction: Some("entry".into()),
                nationality: Some("CHN".into()),
                ..base.clone()
            },
            vec!["c5"],
        ),
        (
            CrossingFilter {
                after_seq: Some(acks[3].seq),
                ..base.clone()
            },
            vec!["c5", "c6"],
        ),
        (
            CrossingFilter {
                limit: 2,
                ..base.clone()
            },
            vec!["c1", "c2"],
        ),
        (
            CrossingFilter {
                limit: 0,
                ..base.clone()
            },
            vec![],
        ),
        (
            CrossingFilter {
                decision: Some("nope".into()),
                ..base.clone()
            },
            vec![],
        ),
        (
            CrossingFilter {
                from: Some(acks[5].time),
                ..base.clone()
            },
            vec!["c6"],
        ),
        (
            CrossingFilter {
                to: Some(acks[0].time + Duration::microseconds(1)),
                ..base.clone()
            },
            vec!["c1"],
        ),
        (
            CrossingFilter {
                from: Some(acks[0].time - Duration::hours(1)),
                to: Some(acks[5].time + Duration::hours(1)),
                ..base.clone()
            },
            vec!["c1", "c2", "c3", "c4", "c5", "c6"],
        ),
    ];
    for (filter, want) in cases {
        let got = ids(ok(s.crossings(&filter).await, "crossings")?);
        // Events can share a microsecond; the time cases hold only when they did not.
        let time_case = filter.from.is_some() || filter.to.is_some();
        if time_case && acks.windows(2).any(|w| w[0].time == w[1].time) {
            continue;
        }
        eq(
            got,
            want.into_iter().map(String::from).collect(),
            &format!("{filter:?}"),
        )?;
    }
    let r = s
        .append(vec![crossing("c1", "road", "r1", "entry", "MNG", "clear")])
        .await;
    check(matches!(r, Err(StoreError::Conflict(_))), || {
        format!("dup crossing: {r:?}")
    })?;
    s.close().await;
    Ok(())
}

/// Documents are put whole, replaced, listed by id per collection and deleted.
pub async fn docs_put_and_delete(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    let put = |coll: &str, id: &str, body: serde_json::Value| {
        Change::event(NewEvent::new("doc.put", "system", json!({"id": id}))).with(
            Projection::PutDoc {
                collection: coll.into(),
                id: id.into(),
                body,
            },
        )
    };
    ok(
        s.append(vec![put("units", "b", json!({"n": 1}))]).await,
        "put b",
    )?;
    ok(
        s.append(vec![put("units", "a", json!({"n": 2}))]).await,
        "put a",
    )?;
    ok(
        s.append(vec![put("incidents", "a", json!({"n": 3}))]).await,
        "put other",
    )?;
    let a3 = ok(
        s.append(vec![put("units", "b", json!({"n": 4, "z": [1]}))])
            .await,
        "replace",
    )?;
    let b = ok(s.doc("units", "b").await, "doc")?.ok_or("doc b missing")?;
    eq(b.body, json!({"n": 4, "z": [1]}), "replaced body")?;
    eq(b.seq, a3[0].seq, "doc seq from the event")?;
    let ids: Vec<String> = ok(s.docs("units").await, "docs")?
        .into_iter()
        .map(|d| d.id)
        .collect();
    eq(ids, vec!["a".to_string(), "b".to_string()], "docs by id")?;
    ok(
        s.append(vec![
            Change::event(NewEvent::new("doc.deleted", "system", json!({"id": "a"}))).with(
                Projection::DeleteDoc {
                    collection: "units".into(),
                    id: "a".into(),
                },
            ),
        ])
        .await,
        "delete",
    )?;
    eq(
        ok(s.doc("units", "a").await, "deleted")?,
        None,
        "deleted doc",
    )?;
    eq(
        ok(s.docs("units").await, "docs")?.len(),
        1,
        "docs after delete",
    )?;
    eq(
        ok(s.docs("incidents").await, "docs")?.len(),
        1,
        "other collection untouched",
    )?;
    eq(
        ok(s.docs("none").await, "docs")?.len(),
        0,
        "unknown collection",
    )?;
    s.close().await;
    Ok(())
}

/// `journal(after, limit, kinds)` pages oldest first and filters by kind.
pub async fn journal_paging_and_kinds(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    for i in 1..=30 {
        let kind = match i % 3 {
            0 => "a.x",
            1 => "b.y",
            _ => "c.z",
        };
        ok(s.append(vec![plain(kind, i)]).await, "append")?;
    }
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = ok(s.journal(after, 7, None).await, "page")?;
        if page.is_empty() {
            break;
        }
        check(page.len() <= 7, || "page longer than limit".into())?;
        after = page.last().map(|e| e.seq).unwrap_or(after);
        seen.extend(page.into_iter().map(|e| e.seq));
    }
    eq(seen, (1..=30).collect::<Vec<_>>(), "paged seqs")?;
    let a = ok(s.journal(0, 100, Some(&["a.x"])).await, "kind a")?;
    eq(a.len(), 10, "kind a count")?;
    check(a.iter().all(|e| e.kind == "a.x" && e.seq % 3 == 0), || {
        "kind filter".into()
    })?;
    let ab = ok(
        s.journal(10, 100, Some(&["a.x", "b.y"])).await,
        "kinds a,b after 10",
    )?;
    eq(
        ab.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (11..=30).filter(|i| i % 3 != 2).collect::<Vec<_>>(),
        "kinds a,b after 10",
    )?;
    eq(
        ok(s.journal(0, 100, Some(&[])).await, "no kinds")?.len(),
        0,
        "no kinds",
    )?;
    eq(
        ok(s.journal(0, 100, Some(&["none"])).await, "unknown")?.len(),
        0,
        "unknown kind",
    )?;
    eq(
        ok(s.journal(30, 100, None).await, "after head")?.len(),
        0,
        "after head",
    )?;
    eq(
        ok(s.journal(u64::MAX, 100, None).await, "after max")?.len(),
        0,
        "after u64::MAX",
    )?;
    eq(
        ok(s.journal(0, 0, None).await, "limit 0")?.len(),
        0,
        "limit 0",
    )?;
    s.close().await;
    Ok(())
}

async fn tampered(b: Arc<dyn Backend>, tamper: Tamper, want_seq: u64, want: &str) -> CaseResult {
    let s = open(&b).await?;
    fill(&s, 10).await?;
    expect_intact(&s, 10).await?;
    b.tamper(tamper)
        .await
        .map_err(|e| format!("tamper {tamper:?}: {e}"))?;
    match ok(s.verify().await, "verify")? {
        Verification::Broken {
            first_bad_seq,
            reason,
        } => {
            eq(
                first_bad_seq,
                want_seq,
                &format!("first bad seq after {tamper:?} ({reason})"),
            )?;
            check(reason.contains(want), || {
                format!("reason `{reason}` after {tamper:?} does not say `{want}`")
            })
        }
        intact => Err(format!("{tamper:?} went undetected: {intact:?}")),
    }?;
    s.close().await;
    Ok(())
}

/// An edited payload breaks its own hash.
pub async fn verify_detects_edit(b: Arc<dyn Backend>) -> CaseResult {
    tampered(b, Tamper::EditPayload { seq: 4 }, 4, "edited").await
}

/// A deleted event is named by its (now missing) seq.
pub async fn verify_detects_delete(b: Arc<dyn Backend>) -> CaseResult {
    tampered(b, Tamper::Delete { seq: 6 }, 6, "deleted").await
}

/// A replayed event inserted mid-chain is named by the seq it was put at.
pub async fn verify_detects_insert(b: Arc<dyn Backend>) -> CaseResult {
    tampered(b, Tamper::InsertCopy { at: 5, from: 2 }, 5, "inserted").await
}

/// Two swapped events are named at the first of them.
pub async fn verify_detects_reorder(b: Arc<dyn Backend>) -> CaseResult {
    tampered(b, Tamper::Swap { seq: 7 }, 7, "reordered").await
}

/// After `close`, appends fail with `Closed`; what was written stays readable.
pub async fn close_then_append_is_closed(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    // Writes in flight when close starts still finish: nothing acknowledged is lost.
    let mut handles = Vec::new();
    for i in 0..20 {
        let s = Arc::clone(&s);
        handles.push(tokio::spawn(async move { s.append(vec![note(i)]).await }));
    }
    tokio::task::yield_now().await;
    s.close().await;
    let mut acked = 0;
    for h in handles {
        match h.await.map_err(|e| format!("task: {e}"))? {
            Ok(_) => acked += 1,
            Err(StoreError::Closed) => {}
            Err(e) => return Err(format!("in-flight append during close: {e}")),
        }
    }
    let r = s.append(vec![note(99)]).await;
    check(matches!(r, Err(StoreError::Closed)), || {
        format!("append after close: {r:?}")
    })?;
    s.close().await;
    let s2 = open(&b).await?;
    eq(
        ok(s2.duty_log(100, None).await, "log")?.len(),
        acked,
        "acknowledged entries",
    )?;
    expect_intact(&s2, acked as u64).await?;
    s2.close().await;
    Ok(())
}

/// Closing and opening again keeps the journal, the projections and the chain head.
pub async fn reopen_keeps_data(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    ok(
        s.append(vec![add_user(&user("u1", "sun", Role::Analyst))])
            .await,
        "user",
    )?;
    fill(&s, 5).await?;
    let head = ok(s.head().await, "head")?;
    s.close().await;
    drop(s);
    let s = open(&b).await?;
    eq(ok(s.head().await, "head")?, head, "head after reopen")?;
    eq(
        ok(s.user_by_name("sun").await, "user")?.map(|u| u.id),
        Some("u1".into()),
        "user",
    )?;
    let a = ok(s.append(vec![note(1)]).await, "append after reopen")?;
    eq(a.first().map(|a| a.seq), Some(7), "seq continues")?;
    expect_intact(&s, 7).await?;
    s.close().await;
    Ok(())
}

fn counted(day: &str, hour: u8, nat: &str, dec: &str, hit: bool) -> CrossingKey {
    CrossingKey {
        day: day.parse().expect("valid day"),
        hour,
        site_id: "road".into(),
        direction: "entry".into(),
        lane_kind: "manual".into(),
        channel: String::new(),
        conveyance: "person".into(),
        nationality: nat.into(),
        decision: dec.into(),
        hit,
    }
}

fn counting(i: u64, key: CrossingKey) -> Change {
    plain("crossing.recorded", i).with(Projection::CountCrossing(key))
}

/// Counts group over any period from the kept tables, whole months and ragged ends alike;
/// a rebuild replaces them only if the journal has not moved on.
pub async fn crossing_counts_group_and_rebuild(b: Arc<dyn Backend>) -> CaseResult {
    use crate::stats::StatsDim as D;
    let s = open(&b).await?;
    let keys = [
        counted("2026-01-31", 23, "MNG", "clear", false),
        counted("2026-02-01", 0, "MNG", "clear", false),
        counted("2026-02-14", 9, "RUS", "refuse", true),
        counted("2026-02-14", 9, "MNG", "clear", false),
        counted("2026-02-28", 9, "CHN", "clear", false),
        counted("2026-03-01", 7, "MNG", "detain", true),
    ];
    let changes: Vec<Change> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| counting(i as u64, k.clone()))
        .collect();
    ok(s.append(changes).await, "append counted crossings")?;
    let d = |x: &str| x.parse::<chrono::NaiveDate>().expect("valid day");
    let groups = |rows: Vec<CountRow>| {
        rows.into_iter()
            .map(|r| (r.key, r.count))
            .collect::<Vec<_>>()
    };
    let q = |by, from, to| {
        let s = s.clone();
        async move {
            ok(
                s.crossing_counts(by, d(from), d(to)).await,
                "crossing_counts",
            )
        }
    };
    let pairs = |v: &[(&str, u64)]| {
        v.iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect::<Vec<_>>()
    };
    eq(
        groups(q(D::Nationality, "2026-01-01", "2026-12-31").await?),
        pairs(&[("MNG", 4), ("CHN", 1), ("RUS", 1)]),
        "a year by nationality",
    )?;
    eq(
        groups(q(D::Nationality, "2026-01-31", "2026-02-14").await?),
        pairs(&[("MNG", 3), ("RUS", 1)]),
        "ragged ends by nationality",
    )?;
    eq(
        groups(q(D::Hit, "2026-02-01", "2026-03-31").await?),
        pairs(&[("none", 3), ("hit", 2)]),
        "hits",
    )?;
    eq(
        groups(q(D::Hour, "2026-01-01", "2026-12-31").await?),
        pairs(&[("00", 1), ("07", 1), ("09", 3), ("23", 1)]),
        "by local hour",
    )?;
    eq(
        groups(q(D::Month, "2026-01-15", "2026-03-15").await?),
        pairs(&[("2026-01", 1), ("2026-02", 4), ("2026-03", 1)]),
        "by month",
    )?;
    eq(
        groups(q(D::Day, "2026-02-14", "2026-02-28").await?),
        pairs(&[("2026-02-14", 2), ("2026-02-28", 1)]),
        "by day",
    )?;
    eq(
        groups(q(D::Decision, "2026-03-02", "2026-03-01").await?),
        Vec::new(),
        "an empty period",
    )?;
    // A rebuild through an old seq is refused: a crossing appended since would be lost.
    let stale = plain("stats.rebuilt", 99).with(Projection::ReplaceCrossingCounts {
        through_seq: 3,
        counts: vec![(counted("2026-02-01", 0, "KAZ", "clear", false), 1)],
    });
    match s.append(vec![stale]).await {
        Err(StoreError::Conflict(m)) if m.contains("rebuild again") => {}
        other => return Err(format!("a stale rebuild was not refused: {other:?}")),
    }
    let fresh = plain("stats.rebuilt", 100).with(Projection::ReplaceCrossingCounts {
        through_seq: 6,
        counts: vec![(counted("2026-02-01", 0, "KAZ", "clear", false), 5)],
    });
    ok(s.append(vec![fresh]).await, "rebuild through the head")?;
    eq(
        groups(q(D::Nationality, "2026-01-01", "2026-12-31").await?),
        pairs(&[("KAZ", 5)]),
        "counts after the rebuild",
    )?;
    eq(
        groups(q(D::Hour, "2026-01-01", "2026-12-31").await?),
        pairs(&[("00", 5)]),
        "hours after the rebuild",
    )?;
    s.close().await;
    Ok(())
}

/// The replication cursor is stored per link and never goes back.
pub async fn replication_cursor_only_moves_forward(b: Arc<dyn Backend>) -> CaseResult {
    let s = open(&b).await?;
    fill(&s, 3).await?;
    eq(
        ok(s.replication_cursor("nats:a").await, "cursor")?,
        0,
        "fresh cursor",
    )?;
    ok(s.advance_replication_cursor("nats:a", 2).await, "advance")?;
    ok(
        s.advance_replication_cursor("nats:a", 1).await,
        "advance back",
    )?;
    ok(
        s.advance_replication_cursor("nats:b", 3).await,
        "other target",
    )?;
    eq(
        ok(s.replication_cursor("nats:a").await, "cursor")?,
        2,
        "never back",
    )?;
    eq(
        ok(s.replication_cursor("nats:b").await, "cursor")?,
        3,
        "per target",
    )?;
    expect_intact(&s, 3).await?;
    s.close().await;
    drop(s);
    let s = open(&b).await?;
    eq(
        ok(s.replication_cursor("nats:a").await, "cursor")?,
        2,
        "cursor after reopen",
    )?;
    s.close().await;
    Ok(())
}
