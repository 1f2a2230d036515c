//! The failure modes the simulator can play, and how each one changes routing and login.

use std::fmt;
use std::str::FromStr;

/// A state of the ISE deployment that the simulator reproduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// ERS, Open API and MnT are all enabled and the admin account works.
    Healthy,
    /// ERS is not enabled in ISE's API settings.
    ErsDisabled,
    /// Open API is not enabled in ISE's API settings.
    OpenapiDisabled,
    /// An ISE 3.0 gateway, which routes only MnT.
    Gateway30,
    /// Every login fails as if the password were wrong.
    BadCredentials,
    /// The admin account is locked after too many failed logins. Logins as that user fail with
    /// the audit reason `account-locked`, and logins as any other user with `bad-credentials`.
    LockedUser,
    /// A proxy or firewall in front of ISE that routes no path to it.
    NotRouted,
    /// The node serving MnT requests lacks the MnT (Monitoring) persona.
    NotMntNode,
    /// Everything works as in `Healthy`, but ERS runs with CSRF protection, so every write needs
    /// a token fetched beforehand with `X-CSRF-TOKEN: fetch`.
    CsrfEnabled,
}

/// The API family a request path belongs to, which decides how the gateway routes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApiFamily {
    Ers,
    OpenApi,
    Mnt,
}

/// Gateway decision on a request, made before any authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GatewayRoute {
    /// The request reaches the API.
    Served,
    /// The service is not exposed through the gateway, so ISE sends the client to its login page.
    RedirectToLogin,
    /// Nothing in front of ISE forwards the request.
    NotFound,
}

/// Cause of a failed login, as written in the `reason=` field of an audit line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoginFailure {
    /// No `Authorization` header. Every scenario audits this reason, `bad-credentials` included.
    MissingCredentials,
    BadCredentials,
    AccountLocked,
}

impl LoginFailure {
    pub(crate) fn audit_reason(self) -> &'static str {
        match self {
            LoginFailure::MissingCredentials => "missing-credentials",
            LoginFailure::BadCredentials => "bad-credentials",
            LoginFailure::AccountLocked => "account-locked",
        }
    }
}

impl Scenario {
    /// Every scenario, in the order the CLI help and the demo list them.
    pub const ALL: [Scenario; 9] = [
        Scenario::Healthy,
        Scenario::ErsDisabled,
        Scenario::OpenapiDisabled,
        Scenario::Gateway30,
        Scenario::BadCredentials,
        Scenario::LockedUser,
        Scenario::NotRouted,
        Scenario::NotMntNode,
        Scenario::CsrfEnabled,
    ];

    /// Returns the name used on the command line, such as `ers-disabled`.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Healthy => "healthy",
            Scenario::ErsDisabled => "ers-disabled",
            Scenario::OpenapiDisabled => "openapi-disabled",
            Scenario::Gateway30 => "gateway-3.0",
            Scenario::BadCredentials => "bad-credentials",
            Scenario::LockedUser => "locked-user",
            Scenario::NotRouted => "not-routed",
            Scenario::NotMntNode => "not-mnt-node",
            Scenario::CsrfEnabled => "csrf-enabled",
        }
    }

    /// Returns a one-line summary of what the simulator does in this scenario.
    pub fn description(self) -> &'static str {
        match self {
            Scenario::Healthy => "ERS, Open API and MnT all answer as on a working ISE 3.3 node",
            Scenario::ErsDisabled => {
                "ERS is not enabled, so ERS paths redirect (302) to the admin login page"
            }
            Scenario::OpenapiDisabled => {
                "Open API is not enabled, so /api/v1/ paths redirect (302) to the admin login page"
            }
            Scenario::Gateway30 => {
                "an ISE 3.0 gateway that routes only MnT, so ERS and Open API redirect (302)"
            }
            Scenario::BadCredentials => {
                "every API request is rejected with 401 as if the password were wrong"
            }
            Scenario::LockedUser => {
                "the admin account is locked, so even the right password gets 401"
            }
            Scenario::NotRouted => {
                "a proxy or firewall that forwards nothing to ISE: 404 on every path"
            }
            Scenario::NotMntNode => {
                "the node lacks the MnT persona, so MnT requests return a 500 that says so"
            }
            Scenario::CsrfEnabled => {
                "ERS requires a CSRF token for writes: one without a token fetched first gets 403"
            }
        }
    }

    /// Decides whether the gateway forwards a request of `family` to the API.
    pub(crate) fn route(self, family: ApiFamily) -> GatewayRoute {
        match (self, family) {
            (Scenario::NotRouted, _) => GatewayRoute::NotFound,
            (Scenario::ErsDisabled, ApiFamily::Ers)
            | (Scenario::OpenapiDisabled, ApiFamily::OpenApi)
            | (Scenario::Gateway30, ApiFamily::Ers | ApiFamily::OpenApi) => {
                GatewayRoute::RedirectToLogin
            }
            _ => GatewayRoute::Served,
        }
    }

    /// Returns whether ERS writes need a token fetched with `X-CSRF-TOKEN: fetch`. ISE offers
    /// this as an option in its ERS settings, and it is off in every other scenario.
    pub(crate) fn requires_csrf_token(self) -> bool {
        self == Scenario::CsrfEnabled
    }

    /// Returns the failure this scenario gives a login, or `None` if the login succeeds.
    /// `user_matches` and `password_matches` are true when the credentials equal the configured
    /// ones.
    pub(crate) fn login_outcome(
        self,
        user_matches: bool,
        password_matches: bool,
    ) -> Option<LoginFailure> {
        match self {
            Scenario::BadCredentials => Some(LoginFailure::BadCredentials),
            // A locked account rejects its owner whatever the password, while a different user
            // name fails the ordinary way.
            Scenario::LockedUser if user_matches => Some(LoginFailure::AccountLocked),
            _ if user_matches && password_matches => None,
            _ => Some(LoginFailure::BadCredentials),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// Error for a scenario name that matches none of [`Scenario::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown scenario {name:?}: expected one of {}", valid_names())]
pub struct UnknownScenario {
    /// The name that was given.
    pub name: String,
}

fn valid_names() -> String {
    let names: Vec<&str> = Scenario::ALL
        .iter()
        .map(|scenario| scenario.name())
        .collect();
    names.join(", ")
}

impl FromStr for Scenario {
    type Err = UnknownScenario;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Scenario::ALL
            .into_iter()
            .find(|scenario| scenario.name() == name)
            .ok_or_else(|| UnknownScenario {
                name: name.to_owned(),
            })
    }
}
