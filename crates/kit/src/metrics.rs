//! Prometheus counters kept in memory: requests by route, status and tenant; failed fleet-job runs.
//! Small enough to keep in-house rather than pull an exporter stack; served by [`crate::ops`].

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16, String), u64>>,
    /// (job, teryt) → runs of a fleet job that failed for that gmina.
    fleet_failures: Mutex<BTreeMap<(String, String), u64>>,
}

impl Metrics {
    pub fn record(&self, route: String, status: u16, tenant: String) {
        let mut map = self.requests.lock().expect("metrics lock");
        *map.entry((route, status, tenant)).or_default() += 1;
    }

    /// A fleet job failed for one gmina (see [`crate::fleet`]).
    pub fn record_fleet_failure(&self, job: &str, teryt: &str) {
        let mut map = self.fleet_failures.lock().expect("metrics lock");
        *map.entry((job.to_owned(), teryt.to_owned())).or_default() += 1;
    }

    /// The counters in the text exposition format (the gauges that need the database are added by
    /// the `/metrics` handler).
    pub fn write_counters(&self, out: &mut String) {
        out.push_str(
            "# HELP pestor_http_requests_total HTTP requests by route, status and tenant.\n",
        );
        out.push_str("# TYPE pestor_http_requests_total counter\n");
        for ((route, status, tenant), n) in self.requests.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "pestor_http_requests_total{{route=\"{}\",status=\"{status}\",tenant=\"{}\"}} {n}",
                escape(route),
                escape(tenant)
            );
        }
        out.push_str("# HELP pestor_fleet_job_failures_total Runs of a per-gmina background job that failed, by job and gmina.\n");
        out.push_str("# TYPE pestor_fleet_job_failures_total counter\n");
        for ((job, teryt), n) in self.fleet_failures.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "pestor_fleet_job_failures_total{{job=\"{}\",teryt=\"{}\"}} {n}",
                escape(job),
                escape(teryt)
            );
        }
    }

    /// Failed runs of `job` for the gmina `teryt` so far.
    pub fn fleet_failures(&self, job: &str, teryt: &str) -> u64 {
        let map = self.fleet_failures.lock().expect("metrics lock");
        map.get(&(job.to_owned(), teryt.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
