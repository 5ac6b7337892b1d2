use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    charter::cli::Cli::parse().run().await
}
