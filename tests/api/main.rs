//! Integration tests: each starts the real application on port 0 against a fresh database,
//! once on SQLite and once on PostgreSQL (`TEST_DATABASE_URL`).

mod helpers;

mod admin;
mod comparisons;
mod concurrency;
mod consent;
mod cross_site;
mod delivery;
mod editor;
mod evidence;
mod file_modes;
mod health;
mod inventory;
mod network;
mod notices;
mod page_cache;
mod pages;
mod policies;
mod process;
mod recipients;
mod records;
mod sites;
mod slow_clients;
mod smtp;
mod subscriptions;
mod users;
