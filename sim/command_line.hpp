#pragma once
// A command's arguments as one line of text and back: quoted for a POSIX shell where needed, so
// that a recorded command can be pasted into a shell and split back into exactly the same
// arguments (govsim reproduce).
#include <string>
#include <string_view>
#include <vector>

namespace govsim::sim {

/// An argument as a POSIX shell reads it back: unchanged when it holds only safe characters
/// (letters, digits and `@%+=:,./-_`), otherwise in single quotes (a single quote as '\'').
[[nodiscard]] std::string shell_quote(std::string_view argument);

/// The arguments quoted with shell_quote and joined by spaces.
[[nodiscard]] std::string join_command(const std::vector<std::string>& arguments);

/// Splits a line as a POSIX shell splits words (single and double quotes, backslashes; no
/// expansion): the inverse of join_command. Throws std::invalid_argument for an unterminated
/// quote.
[[nodiscard]] std::vector<std::string> split_command(std::string_view line);

} // namespace govsim::sim
