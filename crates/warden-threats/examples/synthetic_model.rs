//! Print a synthetic system model as JSON, for timing the whole `warden threats` command:
//! `cargo run --release -p warden-threats --example synthetic_model -- 1000 > /tmp/synthetic.json`
//! (the argument is the number of agents; 1000 agents ≈ 10,000 elements).

fn main() {
    let agents = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let seed = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let model = warden_threats::synthetic::generate(agents, seed);
    match serde_json::to_string_pretty(&model) {
        Ok(text) => println!("{text}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
