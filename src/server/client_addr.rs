//! Who is calling, from where: the one rule for the client's address (behind `TRUST_PROXY`
//! reverse proxies, from `X-Forwarded-For`) used by audit entries, token rows and rate limits.

use std::net::{IpAddr, SocketAddr};

use axum::{extract::ConnectInfo, http::request::Parts};

use super::identity::tokens::ClientInfo;

/// The client's address. With `hops` trusted proxies in front, each appends the address it saw to
/// `X-Forwarded-For`, so the client is `hops` entries from the right; anything further left was
/// written by the client and proves nothing. Falls back to the socket's peer.
pub fn client_ip(parts: &Parts, hops: usize) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if hops == 0 {
        return peer;
    }
    // Count entries as written, then parse only the chosen one: dropping unparsable entries first
    // would shift the count onto an entry the client wrote.
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    forwarded
        .len()
        .checked_sub(hops)
        .and_then(|i| parse_entry(forwarded[i]))
        .or(peer)
        .map(|ip| ip.to_canonical())
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    entry.parse::<std::net::SocketAddr>().ok().map(|addr| addr.ip())
}

pub fn client_info(parts: &Parts, hops: usize) -> ClientInfo {
    ClientInfo {
        ip: client_ip(parts, hops).map(|ip| ip.to_string()),
        user_agent: parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(xff: &[&str]) -> Parts {
        let mut req = axum::http::Request::builder();
        for v in xff {
            req = req.header("x-forwarded-for", *v);
        }
        let (mut parts, _) = req.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 5000))));
        parts
    }

    #[test]
    fn forwarded_addresses_count_only_with_trusted_hops() {
        let p = parts(&["6.6.6.6, 1.2.3.4"]);
        assert_eq!(
            client_ip(&p, 0),
            Some("10.0.0.1".parse().unwrap()),
            "no proxy trusted"
        );
        assert_eq!(
            client_ip(&p, 1),
            Some("1.2.3.4".parse().unwrap()),
            "NGINX appended 1.2.3.4"
        );
        assert_eq!(client_ip(&p, 2), Some("6.6.6.6".parse().unwrap()));
        assert_eq!(
            client_ip(&p, 3),
            Some("10.0.0.1".parse().unwrap()),
            "fewer entries than hops"
        );
        let split = parts(&["6.6.6.6", "1.2.3.4"]);
        assert_eq!(client_ip(&split, 1), Some("1.2.3.4".parse().unwrap()));
        let junk = parts(&["not-an-ip"]);
        assert_eq!(client_ip(&junk, 1), Some("10.0.0.1".parse().unwrap()));
        // A client-written entry must not slide into place when the proxy's entry has a port.
        let ported = parts(&["6.6.6.6, 1.2.3.4:5678"]);
        assert_eq!(client_ip(&ported, 1), Some("1.2.3.4".parse().unwrap()));
        let v6 = parts(&["[2001:db8::1]:443"]);
        assert_eq!(client_ip(&v6, 1), Some("2001:db8::1".parse().unwrap()));
        let mapped = parts(&["::ffff:1.2.3.4"]);
        assert_eq!(client_ip(&mapped, 1), Some("1.2.3.4".parse().unwrap()));
    }
}
