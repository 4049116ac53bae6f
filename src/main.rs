//! Natively there is no app to run: the page is built for wasm32 by
//! `scripts/app.sh`. This binary only points there.

fn main() {
    eprintln!("Anomaly Lab runs in the browser: ./scripts/app.sh builds and serves it.");
}
