// SPDX-License-Identifier: Apache-2.0
// Source facts for unit tests, made up from each media path so the fixtures need no
// media files: *.png/*.jpg are 640x480 stills; *.wav/*.flac/*.mp3/*.m4a are 30 s of
// audio; anything else is 10 s of 1920x1080 30 fps video with audio. A path containing
// "noaudio" has no audio stream; "long" makes a video 120 s. An image sequence is 10 s of
// silent 1920x1080 video at its rate.
#pragma once

#include "timeline/model.h"

#include <string>

namespace reel::test {

inline bool ends_with(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline SourceFacts fake_facts_for(const std::string& path)
{
    SourceFacts f;
    if (ends_with(path, ".png") || ends_with(path, ".jpg")) {
        f.has_video = true;
        f.still_image = true;
        f.width = 640;
        f.height = 480;
    } else if (ends_with(path, ".wav") || ends_with(path, ".flac") || ends_with(path, ".mp3") ||
               ends_with(path, ".m4a")) {
        f.has_audio = true;
        f.duration = Rational(30);
    } else {
        f.has_video = true;
        f.has_audio = path.find("noaudio") == std::string::npos;
        f.duration = Rational(path.find("long") != std::string::npos ? 120 : 10);
        f.width = 1920;
        f.height = 1080;
        f.frame_rate = Rational(30);
    }
    return f;
}

inline SourceFactsMap fake_facts(const Timeline& tl)
{
    SourceFactsMap facts;
    for (const auto& [id, m] : tl.media) {
        SourceFacts f = fake_facts_for(m.path);
        if (m.sequence) {  // an image sequence: 10 s of silent 1920x1080 video at its rate
            f = SourceFacts{};
            f.has_video = true;
            f.duration = Rational(10);
            f.width = 1920;
            f.height = 1080;
            f.frame_rate = m.sequence->rate;
        }
        facts.emplace(id, f);
    }
    return facts;
}

}  // namespace reel::test
