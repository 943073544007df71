#pragma once
// Health, readiness, metrics, the OpenAPI document, Swagger UI and the web client.
#include <filesystem>

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "storage/repository.hpp"
#include "http/blocking.hpp"

namespace chatd::app {

void add_system_routes(http::Router& router, storage::Database& db, http::BlockingPool& pool,
                       http::Metrics& metrics, const std::filesystem::path& web_root);

}  // namespace chatd::app
