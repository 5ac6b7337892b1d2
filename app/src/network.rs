//! Where a request comes from, and how much a network may write: the client address behind the
//! operator's load balancers, and the per-network budget of public writes (consent choices,
//! sign-ins, subscriptions) that keeps a stranger from filling permanent tables.

use crate::state::AppState;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use ipnet::IpNet;
use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

/// The peers whose word about the client is taken: the operator's load balancers and reverse
/// proxies. Empty by default, so a header a client sends is never believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl std::str::FromStr for TrustedProxies {
    type Err = String;

    /// Addresses and networks separated by commas or spaces: `10.0.0.0/8, 192.0.2.7, ::1`.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        list.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("`{entry}` is neither an IP address nor a network like 10.0.0.0/8")
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

/// A list in the configuration file, or one text of addresses in an environment variable.
impl<'de> serde::Deserialize<'de> for TrustedProxies {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum List {
            Text(String),
            Entries(Vec<String>),
        }
        let text = match List::deserialize(deserializer)? {
            List::Text(text) => text,
            List::Entries(entries) => entries.join(","),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The request header that the trusted proxies write the client's address into. A proxy appends
/// to the one it writes and passes any other through as the client sent it, so only that one
/// can be believed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`.
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl std::str::FromStr for ForwardedHeader {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            _ => Err(format!(
                "`{name}` is not a forwarding header; use x-forwarded-for or forwarded"
            )),
        }
    }
}

impl TryFrom<String> for ForwardedHeader {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

/// Hops read from the right of a forwarding header at most; no deployment has more proxies.
const MAX_HOPS: usize = 32;

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&ip))
    }

    /// The client of a request from `peer`: the peer itself unless it is trusted; then, walking
    /// the forwarding header from the right, the first hop that is not trusted. A hop that
    /// cannot be read ends the walk at the trusted hop after it, since nothing to its left can
    /// be believed.
    pub fn client(&self, peer: IpAddr, header: ForwardedHeader, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let name = match header {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        };
        // Repeated header lines form one list, in order (RFC 9110, 5.3).
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        let hops = values.iter().flat_map(|value| value.split(','));
        let hops: Vec<Option<IpAddr>> = match header {
            ForwardedHeader::XForwardedFor => hops.map(address).collect(),
            ForwardedHeader::Forwarded => hops.map(forwarded_for).collect(),
        };
        for hop in hops.into_iter().rev().take(MAX_HOPS) {
            let Some(hop) = hop else { break };
            client = hop.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// An address as proxies write it: bare, with a port, IPv6 in brackets, quoted or not.
fn address(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| {
            let inner = text.strip_prefix('[')?.split(']').next()?;
            inner.parse().ok()
        })
}

/// The `for=` node of one RFC 7239 element; `None` for an obfuscated or `unknown` one.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| address(value))
            .flatten()
    })
}

/// How the server tells where requests come from.
#[derive(Clone, Debug, Default)]
pub struct ClientAddress {
    pub proxies: TrustedProxies,
    pub header: ForwardedHeader,
}

/// Replaces the connection's peer address with the client's (see [`TrustedProxies::client`]),
/// so every handler, server function, throttle and consent record sees the visitor, not the
/// load balancer.
pub async fn resolve_client(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer);
    if let Some(peer) = peer {
        let address = &state.network.client;
        let client = address
            .proxies
            .client(peer.ip(), address.header, request.headers());
        if client != peer.ip() {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(client, 0)));
        }
    }
    next.run(request).await
}

/// Public writes a network may make per minute, in a burst or spread out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "u32")]
pub struct WritesPerMinute(NonZeroU32);

impl WritesPerMinute {
    pub fn get(self) -> u32 {
        self.0.get()
    }
}

impl TryFrom<u32> for WritesPerMinute {
    type Error = String;

    fn try_from(writes: u32) -> Result<Self, Self::Error> {
        match NonZeroU32::new(writes) {
            Some(writes) if writes.get() <= 1_000_000 => Ok(WritesPerMinute(writes)),
            _ => Err(format!(
                "{writes} is out of range; a network may write 1 to 1000000 times a minute"
            )),
        }
    }
}

/// The budget of public writes per client network (the /24 or /48 that consent evidence
/// records), kept in memory per instance: it bounds a burst, the durable limits (sign-in
/// failures, subscription mails) are in the database.
#[derive(Clone, Debug)]
pub struct WriteLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    checks: Arc<AtomicU32>,
}

/// Every this many checks, networks whose budget is full again are forgotten, so a stranger
/// cycling through addresses cannot grow the table without bound.
const FORGET_EVERY: u32 = 4096;

impl WriteLimiter {
    pub fn new(rate: WritesPerMinute) -> Self {
        WriteLimiter {
            limiter: Arc::new(RateLimiter::dashmap(Quota::per_minute(rate.0))),
            checks: Arc::default(),
        }
    }

    /// Spends one write of `network`'s budget; `Err` with the wait until the next one when it
    /// is spent.
    pub fn check(&self, network: &str) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&network.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// The paths whose `POST`s anyone may send and that write what stays: consent choices (the
/// API, which the banner's island uses too, and the banner form), sign-in, accepting an
/// invitation, subscriptions.
fn is_public_write(path: &str) -> bool {
    matches!(
        path,
        "/api/consent"
            | "/api/consent/gpc"
            | "/cookies/consent"
            | "/admin/sign-in"
            | "/admin/invitations/accept"
            | "/subscribe"
            | "/subscribe/confirm"
    ) || path.starts_with("/unsubscribe/")
}

/// Answers 429 with `Retry-After` once a network has spent its budget of public writes.
pub async fn limit_public_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST || !is_public_write(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(ConnectInfo(client)) = request.extensions().get::<ConnectInfo<SocketAddr>>() else {
        return next.run(request).await;
    };
    let network = ip_prefix(client.ip());
    match state.network.writes.check(&network) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            tracing::warn!(%network, path = %request.uri().path(), seconds, "public writes rate-limited");
            too_many(request.uri().path(), seconds)
        }
    }
}

fn too_many(path: &str, seconds: u64) -> Response {
    let message = format!(
        "too many requests from your network; nothing was recorded: try again in {seconds} seconds"
    );
    let mut response = if path.starts_with("/api/") {
        (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(serde_json::json!({ "error": message })),
        )
            .into_response()
    } else {
        (StatusCode::TOO_MANY_REQUESTS, message).into_response()
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// What the server knows about networks: where clients are, and what they may still write.
#[derive(Clone, Debug)]
pub struct Network {
    pub client: ClientAddress,
    pub writes: WriteLimiter,
}

/// Where a request comes from, as consent evidence and the audit log keep it: the client's
/// user agent, bounded, and its network rather than its address.
#[derive(Clone, Debug, Default)]
pub struct RequestSource {
    pub user_agent: String,
    /// Already truncated (see [`ip_prefix`]).
    pub ip_prefix: String,
}

/// User agents are kept as evidence, but not without bound.
const MAX_USER_AGENT: usize = 512;

impl RequestSource {
    /// `peer` is the client as [`resolve_client`] resolved it.
    pub fn of(headers: &HeaderMap, peer: SocketAddr) -> RequestSource {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        RequestSource {
            user_agent: user_agent.chars().take(MAX_USER_AGENT).collect(),
            ip_prefix: ip_prefix(peer.ip()),
        }
    }
}

/// The client's network rather than its address: the IPv4 /24 or the IPv6 /48.
pub fn ip_prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => ip_prefix(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(name, HeaderValue::from_static(value));
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn proxy_lists_parse_and_bad_entries_are_named() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.0.2.7 ::1".parse().expect("valid");
        assert!(proxies.trusts(ip("10.1.2.3")));
        assert!(proxies.trusts(ip("192.0.2.7")));
        assert!(!proxies.trusts(ip("192.0.2.8")));
        assert!(proxies.trusts(ip("::1")));
        assert_eq!("".parse::<TrustedProxies>(), Ok(TrustedProxies::default()));
        let error = "10.0.0.0/8, proxy.example".parse::<TrustedProxies>();
        assert!(error.is_err_and(|e| e.contains("proxy.example")));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let proxies = TrustedProxies::default();
        let claims = headers("x-forwarded-for", &["198.51.100.9"]);
        let peer = ip("203.0.113.5");
        assert_eq!(
            proxies.client(peer, ForwardedHeader::XForwardedFor, &claims),
            peer
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().expect("valid");
        let peer = ip("10.0.0.2");
        // The client forged a first entry; the balancers appended the real one and themselves.
        let claims = headers(
            "x-forwarded-for",
            &["6.6.6.6, 198.51.100.9", "10.0.0.1:4711"],
        );
        assert_eq!(
            proxies.client(peer, ForwardedHeader::XForwardedFor, &claims),
            ip("198.51.100.9")
        );
        // Without the header the balancer is all there is.
        assert_eq!(
            proxies.client(peer, ForwardedHeader::XForwardedFor, &HeaderMap::new()),
            peer
        );
        // A hop that cannot be read stops the walk at the trusted hop after it.
        let garbled = headers("x-forwarded-for", &["198.51.100.9, nonsense, 10.0.0.1"]);
        assert_eq!(
            proxies.client(peer, ForwardedHeader::XForwardedFor, &garbled),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn rfc_7239_forwarded_is_read_when_chosen_and_only_then() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().expect("valid");
        let peer = ip("10.0.0.2");
        let claims = headers(
            "forwarded",
            &[r#"for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.1"#],
        );
        assert_eq!(
            proxies.client(peer, ForwardedHeader::Forwarded, &claims),
            ip("2001:db8:cafe::17")
        );
        // The balancer writes X-Forwarded-For: a Forwarded header is the client's own words.
        assert_eq!(
            proxies.client(peer, ForwardedHeader::XForwardedFor, &claims),
            peer
        );
        let hidden = headers("forwarded", &["for=_hidden, for=10.0.0.1"]);
        assert_eq!(
            proxies.client(peer, ForwardedHeader::Forwarded, &hidden),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn a_network_spends_its_budget_and_is_told_when_to_come_back() {
        let limiter = WriteLimiter::new(WritesPerMinute::try_from(3).expect("valid"));
        for _ in 0..3 {
            assert_eq!(limiter.check("192.0.2.0/24"), Ok(()));
        }
        let wait = limiter.check("192.0.2.0/24").expect_err("budget spent");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(limiter.check("198.51.100.0/24"), Ok(()), "another network");
        assert!(WritesPerMinute::try_from(0).is_err());
    }

    #[test]
    fn networks_with_a_full_budget_again_are_forgotten() {
        let limiter = WriteLimiter::new(WritesPerMinute::try_from(1_000_000).expect("valid"));
        for network in 0..FORGET_EVERY - 1 {
            assert_eq!(limiter.check(&format!("network {network}")), Ok(()));
        }
        assert_eq!(
            limiter.limiter.len(),
            usize::try_from(FORGET_EVERY - 1).expect("small")
        );
        // A million a minute refills a spent write in 60 µs.
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(limiter.check("one more"), Ok(()));
        assert_eq!(limiter.limiter.len(), 1);
    }

    #[test]
    fn only_public_writes_are_limited() {
        assert!(is_public_write("/api/consent"));
        assert!(is_public_write("/unsubscribe/abc"));
        assert!(!is_public_write("/admin/drafts/save"));
        assert!(!is_public_write("/policies/privacy"));
    }

    #[test]
    fn addresses_are_truncated_to_their_network() {
        use std::net::{Ipv4Addr, Ipv6Addr};
        assert_eq!(
            ip_prefix(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 77))),
            "203.0.113.0/24"
        );
        assert_eq!(
            ip_prefix("2001:db8:85a3:8d3:1319:8a2e:370:7348".parse().unwrap()),
            "2001:db8:85a3::/48"
        );
        assert_eq!(
            ip_prefix(IpAddr::V6(Ipv4Addr::new(198, 51, 100, 9).to_ipv6_mapped())),
            "198.51.100.0/24"
        );
        assert_eq!(ip_prefix(IpAddr::V6(Ipv6Addr::LOCALHOST)), "0:0:0::/48");
    }
}
