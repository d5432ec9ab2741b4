// Tests of the generic TOML reader: typed getters, range checks, unknown and misspelt keys,
// and the one-line ConfigError message with file, line, column and key.
#include "sim/config.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using govsim::sim::ConfigDocument;
using govsim::sim::ConfigError;
using govsim::sim::ConfigTable;
using govsim::sim::NumberRange;

namespace {

/// Runs `read` on the root table of `text` (file "t.toml") and returns the error it throws.
template <class Read>
ConfigError error_from(const std::string& text, Read read) {
    try {
        const ConfigDocument doc = ConfigDocument::parse(text, "t.toml");
        ConfigTable root = doc.root();
        read(root);
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
        return e;
    }
    FAIL("no ConfigError was thrown");
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("a TOML integer is accepted where a real number is expected", "[config]") {
    const ConfigDocument doc = ConfigDocument::parse("x = 3\ny = 2.5\n", "t.toml");
    ConfigTable root = doc.root();
    CHECK(root.number("x") == 3.0);
    CHECK(root.number("y") == 2.5);
    root.finish();
}

TEST_CASE("a float is rejected where an integer is expected", "[config]") {
    const auto e = error_from("n = 2.0\n", [](ConfigTable& t) { (void)t.integer("n", 0, 10); });
    CHECK(std::string(e.what()) ==
          "t.toml:1:5: error: n: expected an integer, found a floating-point number (2.0)");
    CHECK(e.line() == 1);
    CHECK(e.column() == 5);
    CHECK(e.key() == "n");
    CHECK(e.expected() == "an integer");
}

TEST_CASE("a negative integer is rejected where an unsigned count is expected", "[config]") {
    const auto e = error_from("\nn = -4\n", [](ConfigTable& t) { (void)t.count("n"); });
    CHECK(std::string(e.what()) ==
          "t.toml:2:5: error: n: expected a non-negative integer, found -4");
    const auto e1 = error_from("n = 0\n", [](ConfigTable& t) { (void)t.count("n", 1); });
    CHECK_THAT(e1.what(), Contains("expected a positive integer, found 0"));
    const auto e2 = error_from("n = -1\n", [](ConfigTable& t) { (void)t.unsigned_integer("n"); });
    CHECK_THAT(e2.what(), Contains("expected a non-negative integer, found -1"));
}

TEST_CASE("an integer too large for 32 bits is rejected for a count", "[config]") {
    const auto e = error_from("n = 5000000000\n", [](ConfigTable& t) { (void)t.count("n"); });
    CHECK_THAT(e.what(), Contains("expected an integer no larger than 4294967295"));
}

TEST_CASE("integer ranges are inclusive and reported with their bounds", "[config]") {
    const ConfigDocument doc = ConfigDocument::parse("a = 1\nb = 50\n", "t.toml");
    ConfigTable root = doc.root();
    CHECK(root.integer("a", 1, 50) == 1);
    CHECK(root.integer("b", 1, 50) == 50);
    const auto e = error_from("y = 51\n", [](ConfigTable& t) { (void)t.integer("y", 1, 50); });
    CHECK_THAT(e.what(), Contains("y: expected an integer in [1, 50], found 51"));
}

TEST_CASE("number ranges accept their bounds and reject values outside", "[config]") {
    const ConfigDocument doc =
        ConfigDocument::parse("p0 = 0\np1 = 1.0\ns1 = 1\ntiny = 1e-300\n", "t.toml");
    ConfigTable root = doc.root();
    CHECK(root.probability("p0") == 0.0);
    CHECK(root.probability("p1") == 1.0);
    CHECK(root.number("s1", NumberRange::share()) == 1.0);
    CHECK(root.positive("tiny") > 0.0);

    CHECK_THAT(error_from("p = 1.5", [](ConfigTable& t) { (void)t.probability("p"); }).what(),
               Contains("p: expected a probability in [0, 1], found 1.5"));
    CHECK_THAT(
        error_from("s = 0", [](ConfigTable& t) { (void)t.number("s", NumberRange::share()); })
            .what(),
        Contains("s: expected a share in (0, 1], found 0"));
    CHECK_THAT(error_from("r = 0.0", [](ConfigTable& t) { (void)t.positive("r"); }).what(),
               Contains("r: expected a positive number, found 0.0"));
    CHECK_THAT(error_from("r = -2", [](ConfigTable& t) { (void)t.non_negative("r"); }).what(),
               Contains("r: expected a non-negative number, found -2"));
    CHECK_THAT(
        error_from("r = 7", [](ConfigTable& t) { (void)t.number("r", NumberRange::between(1, 5)); })
            .what(),
        Contains("r: expected a number in [1.0, 5.0], found 7"));
}

TEST_CASE("nan and inf are rejected even where any number is allowed", "[config]") {
    CHECK_THAT(error_from("x = nan", [](ConfigTable& t) { (void)t.number("x"); }).what(),
               Contains("x: expected a finite number, found nan"));
    CHECK_THAT(error_from("x = -inf", [](ConfigTable& t) { (void)t.number("x"); }).what(),
               Contains("x: expected a finite number, found -inf"));
}

TEST_CASE("a value of the wrong type is reported with both types", "[config]") {
    const auto e = error_from("[s]\nx = \"high\"\n", [](ConfigTable& t) {
        ConfigTable s = t.table("s");
        (void)s.probability("x");
    });
    CHECK(std::string(e.what()) ==
          "t.toml:2:5: error: s.x: expected a number, found a string (\"high\")");
    const auto e2 = error_from("s = 3\n", [](ConfigTable& t) { (void)t.table("s"); });
    CHECK_THAT(e2.what(), Contains("s: expected a table, found an integer (3)"));
    const auto e3 = error_from("x = true\n", [](ConfigTable& t) { (void)t.string("x"); });
    CHECK_THAT(e3.what(), Contains("x: expected a string, found a boolean (true)"));
}

TEST_CASE("a missing key is reported at its enclosing table", "[config]") {
    const auto e = error_from("a = 1\n\n[section]\nother = 2\n", [](ConfigTable& t) {
        ConfigTable s = t.table("section");
        (void)s.probability("wanted");
    });
    CHECK(std::string(e.what()) == "t.toml:3:1: error: section.wanted: expected a probability in "
                                   "[0, 1], found nothing (key missing)");
}

TEST_CASE("a missing section is reported as such", "[config]") {
    const auto e = error_from("a = 1\n", [](ConfigTable& t) { (void)t.table("run"); });
    CHECK(std::string(e.what()) ==
          "t.toml:1:1: error: run: expected a table, found nothing (section missing)");
}

TEST_CASE("an unknown key is rejected at finish, first in source order", "[config]") {
    // Tables iterate alphabetically; the error must name the key written first.
    const auto e = error_from("known = 1\nzebra = 2\napple = 3\n", [](ConfigTable& t) {
        (void)t.number("known");
        t.finish();
    });
    CHECK(std::string(e.what()) == "t.toml:2:1: error: zebra: unknown key; known keys here: known");
}

TEST_CASE("a misspelt key gets the nearest known key as a hint", "[config]") {
    SECTION("found at finish when the correct key was optional") {
        const auto e = error_from("[d]\nservers = 1\nintake_dleay = 2\n", [](ConfigTable& t) {
            ConfigTable d = t.table("d");
            (void)d.count("servers");
            (void)d.contains("intake_delay");
            d.finish();
        });
        CHECK(std::string(e.what()) ==
              "t.toml:3:1: error: d.intake_dleay: unknown key; did you mean 'intake_delay'?");
    }
    SECTION("reported at the misspelling when the correct key is required") {
        const auto e = error_from("x = { firm = 1, sevrers = 2 }\n", [](ConfigTable& t) {
            ConfigTable x = t.table("x");
            (void)x.number("firm");
            (void)x.count("servers");
        });
        CHECK(std::string(e.what()) ==
              "t.toml:1:17: error: x.sevrers: unknown key; did you mean 'servers'?");
    }
}

TEST_CASE("string getters reject empty strings and report bad array elements by index",
          "[config]") {
    CHECK_THAT(error_from("s = \"\"", [](ConfigTable& t) { (void)t.string("s"); }).what(),
               Contains("s: expected a non-empty string, found an empty string"));
    const auto e = error_from("l = [\"a\", 2]", [](ConfigTable& t) { (void)t.strings("l"); });
    CHECK(std::string(e.what()) ==
          "t.toml:1:11: error: l[1]: expected a string, found an integer (2)");

    const ConfigDocument doc = ConfigDocument::parse("l = []\nd = \"\"\n", "t.toml");
    ConfigTable root = doc.root();
    CHECK(root.strings("l").empty());
    CHECK(root.optional_string("d") == std::string());
    CHECK_FALSE(root.optional_string("absent").has_value());
    root.finish();
}

TEST_CASE("malformed TOML is reported at the parser's position", "[config]") {
    try {
        (void)ConfigDocument::parse("a = 1\nb = 2\nc = = 3\n", "bad.toml");
        FAIL("no ConfigError was thrown");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), StartsWith("bad.toml:3:"));
        CHECK_THAT(e.what(), Contains("error: malformed TOML: "));
        CHECK(e.line() == 3);
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
}

TEST_CASE("an unreadable file is reported with the reason", "[config]") {
    const std::string missing = GOVSIM_SOURCE_DIR "/tests/data/no-such-file.toml";
    try {
        (void)ConfigDocument::load(missing);
        FAIL("no ConfigError was thrown");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              missing + ": error: cannot read file: No such file or directory");
    }
    const std::string directory = GOVSIM_SOURCE_DIR "/tests/data";
    CHECK_THROWS_WITH(ConfigDocument::load(directory), Contains("cannot read file: "));
}

TEST_CASE("a document loaded from a file keeps its text and reads arrays of tables", "[config]") {
    const std::string path = GOVSIM_SOURCE_DIR "/tests/data/good/config-sample.toml";
    const ConfigDocument doc = ConfigDocument::load(path);
    CHECK(doc.file() == path);
    CHECK(doc.text() == govsim::sim::read_text_file(path));
    ConfigTable root = doc.root();
    CHECK(root.string("title") == "sample");
    ConfigTable limits = root.table("limits");
    CHECK(limits.probability("probability") == 0.25);
    CHECK(limits.count("count") == 7);
    CHECK(limits.number("weight") == 3.0);
    limits.finish();
    auto items = root.tables("items");
    REQUIRE(items.size() == 2);
    CHECK(items[1].path() == "items[1]");
    CHECK(items[1].string("name") == "second");
    CHECK(items[0].string("name") == "first");
    for (const auto& item : items) {
        item.finish();
    }
    root.finish();

    const auto e = doc.error_at("items[1].name", "a better name", "\"second\"");
    CHECK(std::string(e.what()) == path + ":13:8: error: items[1].name: expected a better name, "
                                          "found \"second\"");
}

TEST_CASE("what() stays on one line when a quoted key holds a line break", "[config]") {
    const auto e = error_from("\"a\\nb\" = 1\n", [](ConfigTable& t) { t.finish(); });
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    CHECK_THAT(e.what(), Contains("unknown key"));
}

TEST_CASE("did-you-mean counts a swap of neighbours as one edit and ignores far keys", "[config]") {
    using govsim::sim::closest_key;
    using govsim::sim::key_distance;
    CHECK(key_distance("servers", "sevrers") == 1);
    CHECK(key_distance("Intake-Delay", "intake_delay") == 0);
    CHECK(key_distance("abc", "") == 3);
    CHECK(closest_key("parking_presure", {"parking_pressure", "service_gap"}) ==
          "parking_pressure");
    CHECK_FALSE(closest_key("colour", {"report_delay_days", "trust_delay_elasticity"}));
    CHECK_FALSE(closest_key("x", {"y"}));
}

TEST_CASE("numbers in messages keep a point on whole floats", "[config]") {
    using govsim::sim::format_number;
    CHECK(format_number(2.0) == "2.0");
    CHECK(format_number(1.5) == "1.5");
    CHECK(format_number(-14.0) == "-14.0");
    CHECK(format_number(2e9) == "2000000000.0");
}

// ---- Composition ----------------------------------------------------------------------------

namespace {

/// `base` with `overlay` merged on top, as one document named "top.toml".
ConfigDocument merged(std::string_view base, std::string_view overlay) {
    std::vector<govsim::sim::ConfigSource> sources{{"base.toml", std::string(base)},
                                                   {"top.toml", std::string(overlay)}};
    toml::table root = govsim::sim::ConfigComposer::parse(base, "base.toml");
    govsim::sim::merge_tables(root, govsim::sim::ConfigComposer::parse(overlay, "top.toml"));
    return ConfigDocument::composed("top.toml", std::move(root), std::move(sources));
}

} // namespace

TEST_CASE("merged tables combine key by key, other values are replaced wholesale", "[config]") {
    const ConfigDocument doc = merged("a = 1\nlist = [1, 2, 3]\n[t]\nx = 1\ny = 2\n"
                                      "inline = { p = 1, q = 2 }\n[[items]]\nname = \"one\"\n"
                                      "[[items]]\nname = \"two\"\n",
                                      "list = [\"nine\"]\n[t]\ny = 20\ninline = { q = 30 }\n"
                                      "[[items]]\nname = \"three\"\n");
    ConfigTable root = doc.root();
    CHECK(root.number("a") == 1);
    CHECK(root.strings("list") == std::vector<std::string>{"nine"});
    ConfigTable t = root.table("t");
    CHECK(t.number("x") == 1);
    CHECK(t.number("y") == 20);
    ConfigTable inline_table = t.table("inline");
    CHECK(inline_table.number("p") == 1);
    CHECK(inline_table.number("q") == 30);
    inline_table.finish();
    t.finish();
    const auto items = root.tables("items");
    REQUIRE(items.size() == 1);
    CHECK(ConfigTable(items[0]).string("name") == "three");
    root.finish();
}

TEST_CASE("errors in a merged table name the file each value was written in", "[config]") {
    const ConfigDocument doc = merged("[t]\nx = 1\nsevrers = 2\n", "\n[t]\ny = 1.5\n");
    SECTION("a value from the overlay") {
        const auto read = [&doc] {
            ConfigTable root = doc.root();
            (void)root.table("t").probability("y");
        };
        CHECK_THROWS_WITH(read(), "top.toml:3:5: error: t.y: expected a probability in [0, 1], "
                                  "found 1.5");
    }
    SECTION("an unknown key from the base, and the table's header from the first file") {
        ConfigTable root = doc.root();
        ConfigTable t = root.table("t");
        CHECK(t.file() == "base.toml");
        CHECK(t.position().line == 1);
        CHECK_THROWS_WITH((void)t.count("servers"),
                          "base.toml:3:1: error: t.sevrers: unknown key; did you mean 'servers'?");
    }
    SECTION("error_at names the file, or the nearest enclosing value for a missing key") {
        CHECK_THAT(doc.error_at("t.y", "x", "y").what(), StartsWith("top.toml:3:5: "));
        CHECK_THAT(doc.error_at("t.nothing", "x", "y").what(),
                   StartsWith("base.toml:1:1: error: t.nothing: "));
        CHECK_THAT(doc.error_at("absent.key", "x", "y").what(), StartsWith("top.toml:1:1: "));
    }
    SECTION("the document keeps every source, and its text is the provenance text") {
        REQUIRE(doc.sources().size() == 2);
        CHECK(doc.sources()[0].file == "base.toml");
        CHECK(doc.text() == "# ---- file: base.toml ----\n[t]\nx = 1\nsevrers = 2\n"
                            "# ---- file: top.toml ----\n\n[t]\ny = 1.5\n");
    }
}

TEST_CASE("a boolean is read as a boolean and nothing else", "[config]") {
    const ConfigDocument doc = ConfigDocument::parse("on = true\noff = false\n", "t.toml");
    ConfigTable root = doc.root();
    CHECK(root.boolean("on"));
    CHECK_FALSE(root.boolean("off"));
    root.finish();
    const auto e = error_from("b = 1\n", [](ConfigTable& t) { (void)t.boolean("b"); });
    CHECK(std::string(e.what()) ==
          "t.toml:1:5: error: b: expected a boolean (true or false), found an integer (1)");
}

TEST_CASE("a composed document follows includes relative to the including file", "[config]") {
    const std::string dir = GOVSIM_SOURCE_DIR "/tests/data/composition";
    const ConfigDocument doc = ConfigDocument::parse_composed(
        "include = [\"run-base.toml\"]\n[run]\nyears = 4\n", dir + "/top.toml");
    ConfigTable root = doc.root();
    ConfigTable run = root.table("run");
    CHECK(run.integer("years", 1, 50) == 4);
    CHECK(run.string("name") == "from-base");
    CHECK(run.file() == dir + "/run-base.toml");
    REQUIRE(doc.sources().size() == 2);
    CHECK(doc.sources()[0].file == dir + "/run-base.toml");
    CHECK(doc.sources()[1].file == dir + "/top.toml");
    CHECK_FALSE(root.contains("include")); // consumed by composition
}

TEST_CASE("include paths resolve against the including file's folder", "[config]") {
    using govsim::sim::ConfigComposer;
    CHECK(ConfigComposer::resolve("scenarios/x.toml", "towns/a.toml") == "scenarios/towns/a.toml");
    CHECK(ConfigComposer::resolve("scenarios/towns/a.toml", "../parameters/p.toml") ==
          "scenarios/parameters/p.toml");
    CHECK(ConfigComposer::resolve("x.toml", "y.toml") == "y.toml");
    CHECK(ConfigComposer::resolve("scenarios/x.toml", "/abs/y.toml") == "/abs/y.toml");
}
