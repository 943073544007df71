#include "chat/emoji.hpp"

#include <gtest/gtest.h>

#include "chat/error.hpp"

namespace chatd::chat {
namespace {

TEST(ReactionEmoji, AcceptsSingleEmojiClusters) {
  EXPECT_TRUE(is_reaction_emoji("\xF0\x9F\x91\x8D"));                  // 👍
  EXPECT_TRUE(is_reaction_emoji("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD"));  // 👍🏽 skin tone
  EXPECT_TRUE(is_reaction_emoji("\xE2\x9D\xA4\xEF\xB8\x8F"));          // ❤️ with VS16
  EXPECT_TRUE(is_reaction_emoji("\xE2\x9D\xA4"));                      // ❤ without
  EXPECT_TRUE(is_reaction_emoji("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7"));  // 🇫🇷 flag
  EXPECT_TRUE(is_reaction_emoji("1\xEF\xB8\x8F\xE2\x83\xA3"));         // 1️⃣ keycap
  EXPECT_TRUE(is_reaction_emoji("#\xE2\x83\xA3"));                     // #⃣
  // 👩‍💻 (woman, ZWJ, laptop) and 👨‍👩‍👧‍👦 (family).
  EXPECT_TRUE(is_reaction_emoji("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB"));
  EXPECT_TRUE(is_reaction_emoji(
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7\xE2\x80\x8D\xF0"
      "\x9F\x91\xA6"));
  // 🏴󠁧󠁢󠁳󠁣󠁴󠁿 (Scotland: black flag, tags g b s c t, cancel tag).
  EXPECT_TRUE(is_reaction_emoji(
      "\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2\xF3\xA0\x81\xB3\xF3\xA0\x81\xA3\xF3\xA0"
      "\x81\xB4\xF3\xA0\x81\xBF"));
}

TEST(ReactionEmoji, AcceptsShortNames) {
  EXPECT_TRUE(is_reaction_emoji(":thumbsup:"));
  EXPECT_TRUE(is_reaction_emoji(":+1:"));
  EXPECT_TRUE(is_reaction_emoji(":-1:"));
  EXPECT_TRUE(is_reaction_emoji(":heart_eyes:"));
  EXPECT_TRUE(is_reaction_emoji(":" + std::string(32, 'a') + ":"));
}

TEST(ReactionEmoji, RefusesTextSequencesAndMalformedInput) {
  EXPECT_FALSE(is_reaction_emoji(""));
  EXPECT_FALSE(is_reaction_emoji("a"));
  EXPECT_FALSE(is_reaction_emoji("1"));
  EXPECT_FALSE(is_reaction_emoji("lol"));
  EXPECT_FALSE(is_reaction_emoji("\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D"));  // two emojis
  EXPECT_FALSE(is_reaction_emoji("\xF0\x9F\x91\x8D "));                 // trailing space
  EXPECT_FALSE(is_reaction_emoji("\xF0\x9F\x91\x8Dx"));
  EXPECT_FALSE(is_reaction_emoji("\xF0\x9F\x87\xAB"));              // half a flag
  EXPECT_FALSE(is_reaction_emoji("\xF0\x9F\x8F\xBD"));              // a skin tone alone
  EXPECT_FALSE(is_reaction_emoji("\xF0\x9F\x91\x8D\xE2\x80\x8D"));  // dangling ZWJ
  EXPECT_FALSE(is_reaction_emoji("\xE2\x80\x8D\xF0\x9F\x91\x8D"));  // leading ZWJ
  EXPECT_FALSE(is_reaction_emoji("\xF0\x9F\x91"));                  // truncated UTF-8
  EXPECT_FALSE(is_reaction_emoji("\xC0\xAF"));                      // overlong
  EXPECT_FALSE(is_reaction_emoji("\xED\xA0\xBD"));                  // surrogate
  EXPECT_FALSE(is_reaction_emoji(std::string_view("\xF0\x9F\x91\x8D\0", 5)));
  EXPECT_FALSE(is_reaction_emoji("\xE4\xBD\xA0"));  // 你: a letter
  EXPECT_FALSE(is_reaction_emoji("::"));
  EXPECT_FALSE(is_reaction_emoji(":Thumbsup:"));
  EXPECT_FALSE(is_reaction_emoji(":thumbs up:"));
  EXPECT_FALSE(is_reaction_emoji("thumbsup:"));
  EXPECT_FALSE(is_reaction_emoji(":" + std::string(33, 'a') + ":"));
  EXPECT_FALSE(is_reaction_emoji(":a::b:"));
}

TEST(ReactionEmoji, CheckThrowsAClearError) {
  EXPECT_NO_THROW(check_reaction_emoji(":ok:"));
  try {
    check_reaction_emoji("nope");
    FAIL() << "no error";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
    EXPECT_NE(std::string(e.what()).find(":thumbsup:"), std::string::npos);
  }
}

}  // namespace
}  // namespace chatd::chat
