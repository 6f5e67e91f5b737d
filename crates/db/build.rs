// The migrations are embedded by `sqlx::migrate!`; rebuild when a file is added or changed there.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
