// Recorded commands split back into exactly the arguments they were made of.
#include "sim/command_line.hpp"

#include <catch2/catch.hpp>

using govsim::sim::join_command;
using govsim::sim::shell_quote;
using govsim::sim::split_command;

TEST_CASE("arguments survive quoting and splitting", "[command]") {
    const std::vector<std::vector<std::string>> cases{
        {"govsim", "run", "scenarios/pilot.toml", "-o", "results/out.h5"},
        {"govsim", "run", "my scenario.toml", "-o", "a b/c.h5", "--seed", "7"},
        {"govsim", "run", "it's.toml", "--set", "town.name=\"Lishui\"", ""},
        {"govsim", "run", "tab\there", "new\nline", "$HOME", "`x`", "back\\slash", "a'b'c"},
        {"govsim", "run", "里水.toml", "--csv", "*.csv"},
    };
    for (const auto& argv : cases) {
        INFO(join_command(argv));
        CHECK(split_command(join_command(argv)) == argv);
    }
    CHECK(join_command({"govsim", "run", "plain-file_1.toml"}) == "govsim run plain-file_1.toml");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("a b") == "'a b'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
}

TEST_CASE("shell words: quotes, escapes and blanks", "[command]") {
    CHECK(split_command("  a  'b c'\t\"d \\\"e\\\"\" f\\ g ") ==
          std::vector<std::string>{"a", "b c", "d \"e\"", "f g"});
    CHECK(split_command("''") == std::vector<std::string>{""});
    CHECK(split_command("a'b'\"c\"d") == std::vector<std::string>{"abcd"});
    CHECK(split_command("").empty());
    CHECK_THROWS_AS(split_command("'unterminated"), std::invalid_argument);
    CHECK_THROWS_AS(split_command("\"unterminated"), std::invalid_argument);
}
