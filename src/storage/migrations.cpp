#include "storage/migrations.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace chatd::storage {

std::vector<Migration> find_migrations(const std::vector<core::EmbeddedFile>& files,
                                       std::string_view backend) {
  const std::string prefix = "storage/migrations/" + std::string(backend) + "/";
  std::vector<Migration> out;
  for (const auto& f : files) {
    if (!f.name.starts_with(prefix) || !f.name.ends_with(".sql")) continue;
    std::string_view file = f.name.substr(prefix.size());
    if (file.find('/') != std::string_view::npos) continue;
    int version = 0;
    auto [end, ec] = std::from_chars(file.data(), file.data() + file.size(), version);
    if (ec != std::errc() || end == file.data() || version <= 0)
      throw std::runtime_error("migration file name must start with a version number: " +
                               std::string(f.name));
    out.push_back(Migration{version, std::string(file), f.text});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].version == out[i - 1].version)
      throw std::runtime_error("two migrations with version " + std::to_string(out[i].version) +
                               ": " + out[i - 1].name + ", " + out[i].name);
  return out;
}

std::vector<Migration> embedded_migrations(std::string_view backend) {
  auto out = find_migrations(migration_files(), backend);
  if (out.empty())
    throw std::runtime_error("no " + std::string(backend) + " migrations compiled in");
  return out;
}

int run_migrations(MigrationTarget& target, const std::vector<Migration>& migrations) {
  struct Unlock {
    MigrationTarget& t;
    ~Unlock() { t.unlock(); }
  };
  target.lock();
  Unlock unlock{target};
  // Versions in the database that this binary does not know are left alone: during a rolling
  // upgrade an older node may start against a newer schema.
  const auto applied = target.applied_versions();
  int count = 0;
  for (const auto& m : migrations) {
    if (applied.contains(m.version)) continue;
    try {
      target.apply(m);
    } catch (const std::exception& e) {
      throw std::runtime_error("migration " + m.name + " failed: " + e.what());
    }
    spdlog::info("storage: applied migration {}", m.name);
    ++count;
  }
  return count;
}

}  // namespace chatd::storage
