//! Protection of API accounts from lockout.
//!
//! Every rejected login counts toward the lockout of the account being diagnosed, so the
//! checks that share a credential do not all fire at once. The first of them in suite order
//! probes the credential alone. When the server accepts it, the others run concurrently; when
//! the server rejects it with 401, the others are skipped. A probe that gets no response at all
//! tells nothing about the credential, so the next check in line probes instead.

use std::collections::HashMap;

use tokio::sync::watch;

/// The server's verdict on a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Rejected with 401 in check `check`.
    Rejected {
        check: String,
    },
}

#[derive(Clone, Debug)]
struct GateState {
    verdict: Option<Verdict>,
    /// Index, in this credential's list of checks, of the check allowed to probe.
    turn: usize,
    /// Checks of this credential that have finished.
    finished: Vec<bool>,
}

/// The probing order of one credential.
struct Gate {
    state: watch::Sender<GateState>,
}

/// The gates of every credential in a run, and each planned check's place in them.
pub struct Lockout {
    gates: Vec<Gate>,
    /// Planned check position → (gate, index in that gate's order).
    places: HashMap<usize, (usize, usize)>,
    /// The credential of each gate, to apply verdicts from earlier runs.
    keys: Vec<(String, String)>,
}

impl Lockout {
    /// Builds the gates from each planned check's credential (`None` for checks without
    /// authentication), listed in suite order.
    pub fn new<'a>(credentials: impl IntoIterator<Item = Option<(&'a str, &'a str)>>) -> Lockout {
        let mut keys: Vec<(&str, &str)> = Vec::new();
        let mut members: Vec<usize> = Vec::new();
        let mut places = HashMap::new();
        for (position, credential) in credentials.into_iter().enumerate() {
            let Some(credential) = credential else {
                continue;
            };
            let gate = match keys.iter().position(|key| *key == credential) {
                Some(gate) => gate,
                None => {
                    keys.push(credential);
                    members.push(0);
                    keys.len() - 1
                }
            };
            places.insert(position, (gate, members[gate]));
            members[gate] += 1;
        }
        let gates = members
            .into_iter()
            .map(|count| Gate {
                state: watch::Sender::new(GateState {
                    verdict: None,
                    turn: 0,
                    finished: vec![false; count],
                }),
            })
            .collect();
        let keys = keys
            .into_iter()
            .map(|(user, password)| (user.to_string(), password.to_string()))
            .collect();
        Lockout {
            gates,
            places,
            keys,
        }
    }

    /// Records that an earlier run in this process saw the credential rejected, so that no
    /// check of this run sends it again.
    pub fn reject(&self, user: &str, password: &str, check: &str) {
        let Some(gate) = self.keys.iter().position(|(known_user, known_password)| {
            known_user == user && known_password == password
        }) else {
            return;
        };
        self.gates[gate].state.send_modify(|state| {
            state.verdict.get_or_insert(Verdict::Rejected {
                check: check.to_string(),
            });
        });
    }

    /// Tells whether the check at `position` has a credential, and so may have to wait in
    /// [`Lockout::wait`].
    pub fn gates(&self, position: usize) -> bool {
        self.places.contains_key(&position)
    }

    /// Waits until the check at `position` may send: it is its turn to probe (`None`), or the
    /// server has judged the credential (`Some`). Checks without a credential never wait.
    pub async fn wait(&self, position: usize) -> Option<Verdict> {
        let (gate, index) = *self.places.get(&position)?;
        let mut receiver = self.gates[gate].state.subscribe();
        let state = receiver
            .wait_for(|state| state.verdict.is_some() || state.turn == index)
            .await
            .ok()?;
        state.verdict.clone()
    }

    /// Records that the check at `position` finished, with the verdict its response gave, if
    /// any. Must be called once for every planned check, also for skipped ones, so that the
    /// turn moves on.
    pub fn finish(&self, position: usize, verdict: Option<Verdict>) {
        let Some(&(gate, index)) = self.places.get(&position) else {
            return;
        };
        self.gates[gate].state.send_modify(|state| {
            if state.verdict.is_none() {
                state.verdict = verdict;
            }
            if let Some(finished) = state.finished.get_mut(index) {
                *finished = true;
            }
            while state.finished.get(state.turn).copied().unwrap_or(false) {
                state.turn += 1;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(check: &str) -> Option<Verdict> {
        Some(Verdict::Rejected {
            check: check.to_string(),
        })
    }

    #[tokio::test]
    async fn first_check_probes_alone() {
        let lockout = Lockout::new([Some(("u", "p")), Some(("u", "p")), None]);
        assert_eq!(lockout.wait(0).await, None);
        assert_eq!(lockout.wait(2).await, None);
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), lockout.wait(1));
        assert!(
            waiting.await.is_err(),
            "the second check did not wait for the probe"
        );
    }

    #[tokio::test]
    async fn rejection_reaches_later_checks() {
        let lockout = Lockout::new([Some(("u", "p")), Some(("u", "p"))]);
        lockout.finish(0, rejected("a"));
        assert_eq!(lockout.wait(1).await, rejected("a"));
    }

    #[tokio::test]
    async fn probe_without_verdict_passes_turn() {
        let lockout = Lockout::new([Some(("u", "p")), Some(("u", "p")), Some(("u", "p"))]);
        lockout.finish(0, None);
        assert_eq!(lockout.wait(1).await, None);
        lockout.finish(1, Some(Verdict::Accepted));
        assert_eq!(lockout.wait(2).await, Some(Verdict::Accepted));
    }

    #[tokio::test]
    async fn skipped_later_check_is_passed_over() {
        let lockout = Lockout::new([Some(("u", "p")), Some(("u", "p")), Some(("u", "p"))]);
        lockout.finish(1, None);
        lockout.finish(0, None);
        assert_eq!(lockout.wait(2).await, None);
    }

    #[tokio::test]
    async fn earlier_rejection_applies_at_once() {
        let lockout = Lockout::new([Some(("u", "p")), Some(("u", "p"))]);
        lockout.reject("u", "p", "ers` at vantage `internal");
        assert_eq!(lockout.wait(0).await, rejected("ers` at vantage `internal"));
    }

    #[tokio::test]
    async fn credentials_have_separate_gates() {
        let lockout = Lockout::new([Some(("u", "p")), Some(("v", "p"))]);
        lockout.finish(0, rejected("a"));
        assert_eq!(lockout.wait(1).await, None);
    }
}
