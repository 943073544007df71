#pragma once
// What a reaction may be: one emoji (a single extended grapheme cluster of an emoji, UTS #51:
// a pictograph with its variation selector, skin tone and tags, ZWJ sequences of those, a flag
// of two regional indicators, a keycap), or a short name between colons like ":thumbsup:"
// ([a-z0-9_+-]{1,32}). Text, two emojis side by side, or malformed UTF-8 are not.
#include <string_view>

namespace chatd::chat {

bool is_reaction_emoji(std::string_view emoji);

// ChatError kInvalidInput unless is_reaction_emoji(emoji).
void check_reaction_emoji(std::string_view emoji);

}  // namespace chatd::chat
