// SPDX-License-Identifier: Apache-2.0
// Runs every fixture in tests/data/timelines: valid ones must load and resolve; each
// invalid one must fail with the error its entry in invalid/expectations.json names
// (pointer, message text, and line/column or code where given).
#include "fake_facts.h"

#include "timeline/parse.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

using namespace reel;
namespace fs = std::filesystem;

namespace {

const fs::path data_dir = fs::path(REEL_SOURCE_DIR) / "tests" / "data" / "timelines";

Timeline load_and_resolve(const fs::path& file)
{
    Timeline tl = load_timeline(file);
    resolve_timeline(tl, test::fake_facts(tl));
    return tl;
}

std::vector<fs::path> json_files(const fs::path& dir)
{
    std::vector<fs::path> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".json" && e.path().filename() != "expectations.json")
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

class ValidFixture : public ::testing::TestWithParam<fs::path> {};
class InvalidFixture : public ::testing::TestWithParam<std::string> {};

nlohmann::json expectations()
{
    return nlohmann::json::parse(read_file(data_dir / "invalid" / "expectations.json"));
}

std::vector<std::string> invalid_names()
{
    std::vector<std::string> names;
    const nlohmann::json all = expectations();
    for (const auto& [name, e] : all.items()) names.push_back(name);
    return names;
}

std::string test_name(const std::string& file)
{
    std::string s = fs::path(file).stem().string();
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return s;
}

}  // namespace

TEST_P(ValidFixture, LoadsAndResolves)
{
    EXPECT_NO_THROW({
        try {
            load_and_resolve(GetParam());
        } catch (const Error& e) {
            ADD_FAILURE() << e.describe();
            throw;
        }
    });
}

INSTANTIATE_TEST_SUITE_P(Timelines, ValidFixture, ::testing::ValuesIn(json_files(data_dir / "valid")),
                         [](const auto& param_info) { return test_name(param_info.param.string()); });

TEST_P(InvalidFixture, FailsWithLocatedError)
{
    const std::string name = GetParam();
    const nlohmann::json expect = expectations().at(name);
    try {
        load_and_resolve(data_dir / "invalid" / name);
        FAIL() << name << " was accepted";
    } catch (const Error& e) {
        SCOPED_TRACE(e.describe());
        EXPECT_EQ(error_code_name(e.code()), expect.value("code", std::string("timeline")));
        if (expect.contains("pointer")) {
            EXPECT_EQ(e.location().pointer, expect.at("pointer").get<std::string>());
        }
        EXPECT_NE(e.message().find(expect.at("message").get<std::string>()), std::string::npos)
            << "message: " << e.message();
        if (expect.contains("hint")) {
            EXPECT_NE(e.hint().find(expect.at("hint").get<std::string>()), std::string::npos)
                << "hint: " << e.hint();
        }
        if (expect.contains("line")) {
            EXPECT_EQ(e.location().line, expect.at("line").get<int>());
        }
        if (expect.contains("column")) {
            EXPECT_EQ(e.location().column, expect.at("column").get<int>());
        }
        if (expect.contains("item")) {
            EXPECT_EQ(e.item_id(), expect.at("item").get<std::string>());
        }
        if (expect.contains("errors")) {
            EXPECT_EQ(int(e.more().size()) + 1, expect.at("errors").get<int>());
        }
        EXPECT_FALSE(e.location().file.empty());
    }
}

INSTANTIATE_TEST_SUITE_P(Timelines, InvalidFixture, ::testing::ValuesIn(invalid_names()),
                         [](const auto& param_info) { return test_name(param_info.param); });

TEST(Fixtures, EveryInvalidFileHasAnExpectation)
{
    std::set<std::string> listed;
    for (const auto& n : invalid_names()) listed.insert(n);
    for (const auto& f : json_files(data_dir / "invalid"))
        EXPECT_TRUE(listed.count(f.filename().string())) << f << " has no entry in expectations.json";
    for (const auto& n : listed)
        EXPECT_TRUE(fs::exists(data_dir / "invalid" / n)) << n << " is listed but missing";
    EXPECT_GE(listed.size(), 40u);
}
