// The settings table: what load_config reads, --help and env-file print, check-config shows.
#include "app/settings.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "app/settings_text.hpp"

using namespace chatd::app;

namespace {

EnvLookup env_of(std::map<std::string, std::string> env) {
  return [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

std::vector<const Setting*> all_settings() {
  std::vector<const Setting*> out;
  for (const auto& g : setting_groups())
    for (const auto& s : g.settings) out.push_back(&s);
  return out;
}

}  // namespace

TEST(Settings, NamesAreUniqueAndDescribed) {
  std::set<std::string> names;
  for (const auto* s : all_settings()) {
    EXPECT_TRUE(names.insert(s->name).second) << s->name;
    EXPECT_FALSE(s->meaning.empty()) << s->name;
    EXPECT_EQ(s->meaning.find('\n'), std::string::npos) << s->name;
  }
  EXPECT_GE(names.size(), 40u);
}

// A default written back as the setting's value reads as the same value: what env-file writes
// commented out is valid when uncommented.
TEST(Settings, DefaultsReadBackUnchanged) {
  const Config defaults;
  for (const auto* s : all_settings()) {
    const auto text = s->show(defaults);
    if (text.empty()) continue;  // a default derived from another setting, or found at start
    Config c;
    s->read(text, c);
    EXPECT_EQ(s->show(c), text) << s->name;
  }
}

TEST(Settings, SecretsAreRedacted) {
  auto c = load_config(env_of({{"JWE_KEY", "k3y"},
                               {"DATABASE_URL", "postgresql://chatd:p@ss@db:5432/chatd"},
                               {"REDIS_URL", "redis://:hunter2@cache:6379/0"},
                               {"AZURE_STORAGE_CONNECTION_STRING",
                                "AccountName=acc;AccountKey=c2VjcmV0;EndpointSuffix=x"}}));
  std::map<std::string, std::string> shown;
  for (const auto* s : all_settings()) shown[s->name] = s->shown(c);
  EXPECT_EQ(shown["JWE_KEY"], "***");
  EXPECT_EQ(shown["DATABASE_URL"], "postgresql://chatd:***@db:5432/chatd");
  EXPECT_EQ(shown["REDIS_URL"], "redis://:***@cache:6379/0");
  EXPECT_EQ(shown["AZURE_STORAGE_CONNECTION_STRING"],
            "AccountName=acc;AccountKey=***;EndpointSuffix=x");
  const auto text = effective_settings(c, env_of({{"JWE_KEY", "k3y"}}));
  for (const char* secret : {"k3y", "p@ss", "hunter2", "c2VjcmV0"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
}

TEST(Settings, RedactUrlLeavesUrlsWithoutPasswordAlone) {
  EXPECT_EQ(redact_url("sqlite://./data/chatd.db"), "sqlite://./data/chatd.db");
  EXPECT_EQ(redact_url("postgresql://chatd@db/chatd"), "postgresql://chatd@db/chatd");
  EXPECT_EQ(redact_url("postgresql://db/chatd?user=u&password=pw&sslmode=require"),
            "postgresql://db/chatd?user=u&password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgresql://u:a@db/chatd?password=b"),
            "postgresql://u:***@db/chatd?password=***");
}

TEST(Settings, EffectiveSettingsMarkDefaults) {
  auto lookup = env_of({{"PORT", "8080"}});
  const auto text = effective_settings(load_config(lookup), lookup);
  EXPECT_NE(text.find("PORT=8080\n"), std::string::npos) << text;
  EXPECT_NE(text.find("HOST=0.0.0.0 "), std::string::npos) << text;
  EXPECT_NE(text.find("# default"), std::string::npos);
  EXPECT_NE(text.find("DATABASE_URL=sqlite://./data/chatd.db"), std::string::npos);
}

// The env file is valid dotenv: only what was set is assigned, and every setting is in it.
TEST(Settings, EnvFileAssignsWhatIsSetAndNamesEveryOtherSetting) {
  const auto text = env_file(env_of({{"DATA_DIR", "/var/lib/chatd"}, {"JWE_KEY", "k3y"}}));
  auto pairs = parse_dotenv(text);
  ASSERT_EQ(pairs.size(), 1u) << text;
  EXPECT_EQ(pairs[0].first, "DATA_DIR");
  EXPECT_EQ(pairs[0].second, "/var/lib/chatd");
  EXPECT_EQ(text.find("k3y"), std::string::npos);
  for (const auto* s : all_settings()) {
    const bool named = text.find("#" + s->name + "=") != std::string::npos ||
                       text.find("\n" + s->name + "=") != std::string::npos;
    EXPECT_TRUE(named) << s->name;
  }
  EXPECT_NE(text.find("#PORT=3001\n"), std::string::npos);
}

TEST(Settings, HelpShowsEveryDefault) {
  const auto help = settings_help();
  for (const auto* s : all_settings())
    EXPECT_NE(help.find("  " + s->name + "=" + s->default_value()), std::string::npos) << s->name;
}
