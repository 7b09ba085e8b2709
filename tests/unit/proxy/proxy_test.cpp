// SPDX-License-Identifier: Apache-2.0
// The pure parts of proxies and previews: proxy sizes, which sources need one, the
// store's verdicts from its sidecars, and the geometry of a preview.
#include "proxy/proxy.h"
#include "proxy/preview.h"
#include "util/error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace reel {
namespace {

namespace fs = std::filesystem;

MediaInfo video(int w, int h, const std::string& path = "/media/a.mp4", const std::string& print = "p1")
{
    MediaInfo m;
    m.path = path;
    m.fingerprint = print;
    m.video = VideoStreamInfo{};
    m.video->display_width = w;
    m.video->display_height = h;
    return m;
}

TEST(ProxySize, KeepsTheAspectRatioAndNeverUpscales)
{
    ProxySettings s;  // 720
    EXPECT_EQ(proxy_size(video(3840, 2160), s), std::make_pair(1280, 720));
    EXPECT_EQ(proxy_size(video(1920, 1080), s), std::make_pair(1280, 720));
    EXPECT_EQ(proxy_size(video(320, 240), s), std::make_pair(320, 240));                  // never upscaled
    EXPECT_EQ(proxy_size(video(1080, 1920), s), std::make_pair(406, 720));                // portrait, upright
    EXPECT_EQ(proxy_size(video(181, 321), ProxySettings{120}), std::make_pair(68, 120));  // even
}

TEST(ProxySize, StillsOnlyWhenTallerThanTheProxy)
{
    ProxySettings s;
    MediaInfo still = video(4000, 3000);
    still.still_image = true;
    EXPECT_TRUE(needs_proxy(still, s));
    still.video->display_height = 720;
    EXPECT_FALSE(needs_proxy(still, s));
    EXPECT_TRUE(needs_proxy(video(320, 240), s));  // every video: short GOPs
    MediaInfo sound;
    EXPECT_FALSE(needs_proxy(sound, s));
}

class Store : public ::testing::Test {
protected:
    void SetUp() override
    {
        dir = fs::temp_directory_path() / ("reel-proxy-test-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }
    /// A proxy of `m` as make_proxy leaves it: the file, then its sidecar.
    void put(const MediaInfo& m, const ProxySettings& s)
    {
        std::string key = ProxyStore::key(m, s);
        std::ofstream(dir / (key + ".mp4")) << "x";
        nlohmann::json side = {
            {"source", m.path},
            {"fingerprint", m.fingerprint},
            {"extension", ".mp4"},
            {"settings", {{"height", s.height}, {"gop", s.gop}, {"crf", s.crf}, {"preset", s.preset}}}};
        std::ofstream(dir / (key + ".json")) << side.dump();
    }
    fs::path dir;
};

TEST_F(Store, CurrentStaleMissing)
{
    ProxySettings s;
    MediaInfo a = video(1920, 1080, "/media/a.mp4", "old");
    EXPECT_EQ(ProxyStore(dir).lookup(a, s, true).state, ProxyState::missing);
    put(a, s);
    EXPECT_EQ(ProxyStore(dir).lookup(a, s, true).state, ProxyState::current);
    MediaInfo touched = a;
    touched.fingerprint = "new";
    ProxyStore store(dir);
    EXPECT_EQ(store.lookup(touched, s, true).state, ProxyState::stale);
    // Another source with the same content elsewhere is not stale: only missing.
    EXPECT_EQ(store.lookup(video(1920, 1080, "/media/b.mp4", "x"), s, true).state, ProxyState::missing);
    EXPECT_EQ(store.remove_stale(touched, s), 1);
    EXPECT_EQ(store.lookup(touched, s, true).state, ProxyState::missing);
    EXPECT_TRUE(fs::is_empty(dir));
}

TEST_F(Store, EveryKeyFieldCountsButARenderTakesAnyGopAtItsHeight)
{
    ProxySettings s, gop1 = s;
    gop1.gop = 1;
    MediaInfo a = video(1920, 1080);
    EXPECT_NE(ProxyStore::key(a, s), ProxyStore::key(a, gop1));
    ProxySettings h = s;
    h.height = 540;
    EXPECT_NE(ProxyStore::key(a, s), ProxyStore::key(a, h));
    put(a, gop1);
    ProxyStore store(dir);
    EXPECT_EQ(store.lookup(a, s, true).state, ProxyState::missing);  // reel proxy makes its own
    ProxyEntry any = store.lookup(a, s, false);                      // a render decodes it
    EXPECT_EQ(any.state, ProxyState::current);
    EXPECT_EQ(any.key, ProxyStore::key(a, gop1));
    EXPECT_EQ(store.lookup(a, h, false).state, ProxyState::missing);
}

TEST_F(Store, TheBestFitIsTheLowestTallEnough)
{
    MediaInfo a = video(3840, 2160);
    ProxySettings p360, p720, p1080;
    p360.height = 360;
    p1080.height = 1080;
    ProxyStore empty(dir);
    EXPECT_EQ(empty.best_for(a, 540, p720).state, ProxyState::missing);
    put(a, p360);
    put(a, p720);
    put(a, p1080);
    ProxyStore store(dir);
    EXPECT_EQ(store.best_for(a, 540, p720).key, ProxyStore::key(a, p720));
    EXPECT_EQ(store.best_for(a, 720, p720).key, ProxyStore::key(a, p720));
    EXPECT_EQ(store.best_for(a, 300, p720).key, ProxyStore::key(a, p360));
    EXPECT_EQ(store.best_for(a, 2160, p720).key, ProxyStore::key(a, p1080));  // the highest there is
    MediaInfo touched = a;
    touched.fingerprint = "changed";
    EXPECT_EQ(store.best_for(touched, 540, p720).state, ProxyState::stale);
}

TEST(Preview, SizeFromScaleOrExplicit)
{
    PreviewOptions o;
    EXPECT_EQ(preview_size(1920, 1080, o), std::make_pair(960, 540));
    o.scale = 1.0 / 3;
    EXPECT_EQ(preview_size(3840, 2160, o), std::make_pair(1280, 720));
    o.width = 640;
    o.height = 360;
    EXPECT_EQ(preview_size(1920, 1080, o), std::make_pair(640, 360));
    o.width = 641;
    EXPECT_THROW(preview_size(1920, 1080, o), Error);
    o = PreviewOptions{};
    o.scale = 0;
    EXPECT_THROW(preview_size(1920, 1080, o), Error);
}

TEST(Preview, PositionsKeepTheirMeaning)
{
    Timeline tl;
    tl.output.width = 1920;
    tl.output.height = 1080;
    tl.root.width = 1920;
    tl.root.height = 1080;
    Item it;
    it.transform = Transform{};
    it.transform->x = 960;
    it.transform->y = 540;
    it.transform->width = 480;
    it.crop = Crop{100, 50, 0, 10};
    tl.root.tracks.push_back(Track{});
    tl.root.tracks[0].items.push_back(it);
    Composition badge;
    badge.width = 640;
    badge.height = 360;
    tl.compositions["badge"] = badge;
    scale_geometry(tl, 0.5, 0.5);
    EXPECT_EQ(tl.output.width, 960);
    EXPECT_EQ(tl.root.height, 540);
    const Item& s = tl.root.tracks[0].items[0];
    EXPECT_DOUBLE_EQ(s.transform->x, 480);  // the middle of the 960-wide preview
    EXPECT_DOUBLE_EQ(s.transform->y, 270);
    EXPECT_DOUBLE_EQ(*s.transform->width, 240);
    EXPECT_FALSE(s.transform->height.has_value());  // still the composition's height
    EXPECT_DOUBLE_EQ(s.crop->left, 50);
    EXPECT_DOUBLE_EQ(s.crop->bottom, 5);
    EXPECT_EQ(tl.compositions["badge"].width, 320);
}

}  // namespace
}  // namespace reel
