//! The browser app (leptos, client-side rendering) lives in this root
//! package. It is not built yet: see issue 3 and README.md. Until then this
//! binary only says so, and the engine is used through `crates/cli`.

fn main() {
    eprintln!(
        "The Anomaly Lab web app is not built yet; use `cargo run -p anomaly-lab-cli -- --help`."
    );
}
