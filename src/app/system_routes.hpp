#pragma once
// Health, readiness, metrics, the OpenAPI document, Swagger UI and the web client.
#include <filesystem>
#include <functional>
#include <string>

#include "app/database_probe.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "storage/repository.hpp"

namespace chatd::app {

// "off" without REDIS_URL, else "up" or "down".
using RedisState = std::function<std::string()>;

// GET /ready answers within the probe's deadline: 503 with "database":"down" when the database
// does not answer by then.
void add_system_routes(http::Router& router, storage::Database& db, DatabaseProbe& probe,
                       http::Metrics& metrics, const std::filesystem::path& web_root,
                       RedisState redis_state);

}  // namespace chatd::app
