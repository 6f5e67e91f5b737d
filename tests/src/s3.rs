//! A real S3-protocol server on loopback for tests: `s3s-fs` (files in a temporary folder) behind
//! SigV4 authentication, reached by the app through `aws-sdk-s3` exactly as in production. It can
//! be switched "down" (connections are dropped at once) to test what users see when storage fails.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pestor_config::StorageSettings;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

pub const BUCKET: &str = "pestor-test";
const ACCESS_KEY: &str = "pestor-test-ak";
const SECRET_KEY: &str = "pestor-test-sk-0123456789";

pub struct S3Server {
    pub endpoint: String,
    root: PathBuf,
    down: Arc<AtomicBool>,
    /// Open connections, so going down also cuts the ones a client keeps alive.
    connections: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl S3Server {
    pub async fn start() -> Self {
        // One folder per server: tests in one process run side by side.
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let root = crate::scratch_dir(&format!("s3-{}", N.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(root.join(BUCKET)).expect("bucket folder");
        let fs = s3s_fs::FileSystem::new(&root).expect("s3s-fs");
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let down = Arc::new(AtomicBool::new(false));
        let is_down = down.clone();
        let connections: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let open = connections.clone();
        let task = tokio::spawn(async move {
            let http =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                if is_down.load(Ordering::SeqCst) {
                    drop(socket);
                    continue;
                }
                let conn = http
                    .serve_connection(hyper_util::rt::TokioIo::new(socket), service.clone())
                    .into_owned();
                let handle = tokio::spawn(async move {
                    let _ = conn.await;
                });
                let mut open = open.lock().expect("lock");
                open.retain(|h| !h.is_finished());
                open.push(handle);
            }
        });
        S3Server {
            endpoint,
            root,
            down,
            connections,
            task,
        }
    }

    /// While down, open connections are cut and new ones dropped as soon as they are accepted.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        if down {
            for c in self.connections.lock().expect("lock").drain(..) {
                c.abort();
            }
        }
    }

    /// Points `s` at this server.
    pub fn configure(&self, s: &mut StorageSettings) {
        s.backend = "s3".into();
        s.s3_endpoint = self.endpoint.clone();
        s.s3_bucket = BUCKET.into();
        s.s3_region = "us-east-1".into();
        s.s3_path_style = true;
        s.s3_access_key = ACCESS_KEY.into();
        s.s3_secret_key = pestor_config::Secret::new(SECRET_KEY);
    }

    /// Keys of every stored object, sorted.
    pub fn keys(&self) -> Vec<String> {
        let base = self.root.join(BUCKET);
        let mut keys = Vec::new();
        let mut stack = vec![base.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let key = path.strip_prefix(&base).expect("under bucket");
                    let key = key.to_string_lossy().into_owned();
                    // s3s-fs keeps metadata beside objects in dot-files.
                    if !key.split('/').any(|p| p.starts_with('.')) {
                        keys.push(key);
                    }
                }
            }
        }
        keys.sort();
        keys
    }
}
