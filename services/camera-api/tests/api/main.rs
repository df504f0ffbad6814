//! Integration tests: the real service against real PostgreSQL, over HTTP.
//! One binary (faster to link); each test gets its own database and port.

mod access;
mod audit;
mod browser;
mod cameras;
mod edge;
mod events;
mod faults;
mod health;
mod import;
mod load;
mod media;
mod metrics;
mod nodes;
mod openapi;
mod paging;
mod provisioning;
mod recording;
mod secrets;
mod stack_files;
mod support;
mod views;
mod visibility;
