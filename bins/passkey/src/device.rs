//! What the validate-token answer says about the device that ran the ceremony: the browser, its
//! version, the operating system and the kind of device, read from the `User-Agent` header.
//!
//! User agents are free text that browsers shape to look like each other; the reading here is
//! a best effort for display and risk signals, never for a security decision.

use serde::Serialize;

/// The device, as far as its user agent tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    /// The user agent, as sent (at most 512 bytes kept).
    pub user_agent: String,
    /// `Chrome`, `Edge`, `Firefox`, `Safari`, `Opera`, `Samsung Internet` or `Other`.
    pub browser: String,
    /// The browser's major version, if found.
    pub browser_version: String,
    /// `Windows`, `macOS`, `iOS`, `iPadOS`, `Android`, `ChromeOS`, `Linux` or `Other`.
    pub os: String,
    /// The OS version as the agent writes it (`10`, `14.4`, `17_4` → `17.4`), if found.
    pub os_version: String,
    /// `mobile`, `tablet` or `desktop`.
    pub device_type: String,
}

/// The longest user agent kept.
pub const MAX_USER_AGENT: usize = 512;

/// Reads `user_agent`.
pub fn parse(user_agent: &str) -> DeviceInfo {
    let kept: String = user_agent
        .chars()
        .filter(|c| !c.is_control())
        .scan(0usize, |len, c| {
            *len += c.len_utf8();
            (*len <= MAX_USER_AGENT).then_some(c)
        })
        .collect();
    let (browser, browser_version) = browser(&kept);
    let (os, os_version) = os(&kept);
    let device_type =
        if kept.contains("iPad") || (kept.contains("Android") && !kept.contains("Mobile")) {
            "tablet"
        } else if kept.contains("Mobile") || kept.contains("iPhone") {
            "mobile"
        } else {
            "desktop"
        };
    DeviceInfo {
        user_agent: kept,
        browser: browser.to_owned(),
        browser_version,
        os: os.to_owned(),
        os_version,
        device_type: device_type.to_owned(),
    }
}

/// The version after `token/` up to the first `.`, space or `;`.
fn version_after(ua: &str, token: &str) -> Option<String> {
    let start = ua.find(token)? + token.len();
    let version: String = ua[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!version.is_empty()).then_some(version)
}

fn browser(ua: &str) -> (&'static str, String) {
    // Order matters: Edge and Opera say Chrome, Chrome says Safari.
    let found = [
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ]
    .into_iter()
    .find_map(|(token, name)| {
        let version = version_after(ua, token)?;
        (name != "Safari" || ua.contains("Safari/")).then_some((name, version))
    });
    found.unwrap_or(("Other", String::new()))
}

fn os(ua: &str) -> (&'static str, String) {
    let until = |start: &str, ends: &[char]| -> Option<String> {
        let from = ua.find(start)? + start.len();
        let version: String = ua[from..]
            .chars()
            .take_while(|c| !ends.contains(c))
            .collect::<String>()
            .replace('_', ".");
        Some(version.trim().to_owned())
    };
    if ua.contains("iPad") {
        (
            "iPadOS",
            until("CPU OS ", &[' ', ')', ';']).unwrap_or_default(),
        )
    } else if ua.contains("iPhone") {
        (
            "iOS",
            until("iPhone OS ", &[' ', ')', ';']).unwrap_or_default(),
        )
    } else if ua.contains("Android") {
        (
            "Android",
            until("Android ", &[';', ')']).unwrap_or_default(),
        )
    } else if ua.contains("CrOS") {
        ("ChromeOS", String::new())
    } else if ua.contains("Windows NT") {
        (
            "Windows",
            until("Windows NT ", &[';', ')']).unwrap_or_default(),
        )
    } else if ua.contains("Mac OS X") {
        ("macOS", until("Mac OS X ", &[';', ')']).unwrap_or_default())
    } else if ua.contains("Linux") {
        ("Linux", String::new())
    } else {
        ("Other", String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_common_agents() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                ("Chrome", "124", "Windows", "10.0", "desktop"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
                ("Edge", "124", "Windows", "10.0", "desktop"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
                ("Safari", "17", "iOS", "17.4", "mobile"),
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
                ("Chrome", "120", "iPadOS", "16.6", "tablet"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
                ("Chrome", "124", "Android", "14", "mobile"),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
                ("Firefox", "125", "macOS", "14.4", "desktop"),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
                ("Chrome", "156", "Linux", "", "desktop"),
            ),
            ("curl/8.5.0", ("Other", "", "Other", "", "desktop")),
        ];
        for (agent, (browser, version, os, os_version, device)) in cases {
            let info = parse(agent);
            assert_eq!(
                (
                    info.browser.as_str(),
                    info.browser_version.as_str(),
                    info.os.as_str(),
                    info.os_version.as_str(),
                    info.device_type.as_str()
                ),
                (browser, version, os, os_version, device),
                "{agent}"
            );
        }
    }

    #[test]
    fn keeps_at_most_512_bytes_without_control_characters() {
        let info = parse(&format!("a\r\nb{}", "é".repeat(600)));
        assert!(info.user_agent.len() <= 512);
        assert!(info.user_agent.starts_with("ab"));
    }
}
