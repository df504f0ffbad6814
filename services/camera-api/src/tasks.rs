//! The service's background tasks (the reconciler, the change listener, the
//! video session check, …), supervised: a task that ends or panics is
//! logged, reported by `/readyz` while it is down, and started again with a
//! growing pause, so one bug can't silently stop a replica's share of work.
//! One-off jobs a request starts (an export) run in the same set, so they
//! end with the service.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

/// A spawned task that is cancelled when its owner goes away.
pub struct AbortOnDrop<T>(pub JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The pause before the first restart; doubled at each quick failure.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// A task that ran this long before ending starts again after the first pause.
const STEADY: Duration = Duration::from_secs(60);

/// Cheap to clone; one per service.
#[derive(Clone, Default)]
pub struct Tasks {
    down: Arc<Mutex<BTreeSet<&'static str>>>,
    /// Aborted when the last clone goes, with the service.
    jobs: Arc<Mutex<tokio::task::JoinSet<()>>>,
}

impl Tasks {
    /// Runs `task()` until the returned handle is dropped, starting it again
    /// whenever it ends or panics.
    pub fn supervise<F, Fut>(&self, name: &'static str, task: F) -> AbortOnDrop<()>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let down = self.down.clone();
        AbortOnDrop(tokio::spawn(async move {
            let mut pause = FIRST_PAUSE;
            loop {
                let started = Instant::now();
                // Dropping the supervisor (at shutdown) drops this, and so
                // cancels the task itself too.
                let mut running = AbortOnDrop(tokio::spawn(task()));
                let ended = (&mut running.0).await;
                match ended {
                    Ok(()) => tracing::error!(task = name, "background task ended; restarting"),
                    Err(err) => {
                        tracing::error!(task = name, error = %err, "background task failed; restarting")
                    }
                }
                down.lock().expect("not poisoned").insert(name);
                if started.elapsed() >= STEADY {
                    pause = FIRST_PAUSE;
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
                down.lock().expect("not poisoned").remove(name);
            }
        }))
    }

    /// Runs `job` once, in the background, until it ends or the service
    /// does.
    pub fn spawn(&self, job: impl Future<Output = ()> + Send + 'static) {
        let mut jobs = self.jobs.lock().expect("not poisoned");
        // Finished jobs are forgotten here rather than by a task of their own.
        while jobs.try_join_next().is_some() {}
        jobs.spawn(job);
    }

    /// The tasks waiting to be started again.
    pub fn down(&self) -> Vec<&'static str> {
        self.down
            .lock()
            .expect("not poisoned")
            .iter()
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_failed_task_is_reported_down_and_started_again() {
        let tasks = Tasks::default();
        let starts = Arc::new(AtomicUsize::new(0));
        let counted = starts.clone();
        let _supervisor = tasks.supervise("flaky", move || {
            let start = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if start == 0 {
                    panic!("a bug");
                }
                std::future::pending::<()>().await;
            }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(tasks.down(), ["flaky"]);
        assert_eq!(starts.load(Ordering::SeqCst), 1);
        tokio::time::sleep(FIRST_PAUSE).await;
        assert!(tasks.down().is_empty());
        assert_eq!(starts.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_supervisor_cancels_the_task() {
        let tasks = Tasks::default();
        let alive = Arc::new(());
        let held = alive.clone();
        let supervisor = tasks.supervise("holder", move || {
            let held = held.clone();
            async move {
                let _held = held;
                std::future::pending::<()>().await;
            }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(Arc::strong_count(&alive), 3);
        drop(supervisor);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(
            Arc::strong_count(&alive),
            1,
            "the task and its maker are gone"
        );
    }
}
