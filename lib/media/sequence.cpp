// SPDX-License-Identifier: Apache-2.0
#include "media/probe.h"

#include "util/error.h"
#include "util/hash.h"
#include "util/sequence_pattern.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace reel {
namespace fs = std::filesystem;

std::string SequenceInfo::file(std::int64_t index) const
{
    return sequence_frame_path(pattern, first + index * step);
}

bool SequenceInfo::present(std::int64_t index) const
{
    return !std::binary_search(absent.begin(), absent.end(), index);
}

namespace {

/// Frame numbers of the files on disk that match the pattern, with their stat results.
std::set<std::int64_t> numbers_on_disk(const std::string& pattern, const SequenceRequest& request)
{
    std::set<std::int64_t> found;
    fs::path p(pattern);
    std::string name = p.filename().string();
    if (sequence_pattern_problem(name).empty()) {
        // The field is in the file name: list the folder once.
        SequencePattern split = split_sequence_pattern(name);
        fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            throw Error(
                ErrorCode::media, "media",
                "image sequence \"" + pattern + "\": its folder \"" + dir.string() + "\" does not exist")
                .with_file(pattern);
        fs::directory_iterator it(dir, ec), end;
        if (ec)
            throw Error(ErrorCode::media, "media",
                        "image sequence \"" + pattern + "\": cannot list its folder \"" + dir.string() +
                            "\": " + ec.message())
                .with_file(pattern);
        for (; it != end; it.increment(ec)) {
            if (ec) break;
            if (auto n = sequence_frame_number(split, it->path().filename().string())) found.insert(*n);
        }
        return found;
    }
    // The field is in a folder's name: only a given range can be looked for.
    if (!request.start || !request.end)
        throw Error(ErrorCode::media, "media",
                    "image sequence \"" + pattern +
                        "\": its frame number is in a folder name, so the frames cannot be listed",
                    "give \"start\" and \"end\" in the sequence, or put the number in the file name")
            .with_file(pattern);
    if ((*request.end - *request.start) / request.step > 10000000)
        throw Error(ErrorCode::media, "media",
                    "image sequence \"" + pattern + "\": more than 10 million frames")
            .with_file(pattern);
    for (std::int64_t n = *request.start; n <= *request.end; n += request.step) {
        std::error_code ec;
        if (fs::is_regular_file(sequence_frame_path(pattern, n), ec)) found.insert(n);
    }
    return found;
}

}  // namespace

MediaInfo probe_sequence(const std::string& pattern, const SequenceRequest& request)
{
    const std::string what = "image sequence \"" + pattern + "\"";
    std::set<std::int64_t> on_disk = numbers_on_disk(pattern, request);
    if (on_disk.empty())
        throw Error(ErrorCode::media, "media", what + ": no file matches it",
                    "check the folder and the frame-number field: %04d matches 0001, %d matches 1")
            .with_file(pattern);
    SequenceInfo q;
    q.pattern = pattern;
    q.first = request.start.value_or(*on_disk.begin());
    q.step = std::max<std::int64_t>(1, request.step);
    q.rate = request.rate;
    q.missing = request.missing;
    std::int64_t last = request.end.value_or(*on_disk.rbegin());
    if (last < q.first)
        throw Error(ErrorCode::media, "media",
                    what + ": the files on disk end at number " + std::to_string(last) +
                        ", before its start " + std::to_string(q.first))
            .with_file(pattern);
    q.frames = (last - q.first) / q.step + 1;
    if (q.frames > 10000000)
        throw Error(ErrorCode::media, "media", what + ": more than 10 million frames").with_file(pattern);
    for (std::int64_t i = 0; i < q.frames; ++i)
        if (!on_disk.count(q.first + i * q.step)) q.absent.push_back(i);
    if (std::int64_t(q.absent.size()) == q.frames)
        throw Error(ErrorCode::media, "media",
                    what + ": none of its files " + std::to_string(q.first) + ".." + std::to_string(last) +
                        (q.step > 1 ? " (step " + std::to_string(q.step) + ")" : std::string()) + " exists",
                    "the files on disk are numbered " + std::to_string(*on_disk.begin()) + ".." +
                        std::to_string(*on_disk.rbegin()))
            .with_file(pattern);
    if (!q.absent.empty() && q.missing == "error")
        throw Error(ErrorCode::media, "media",
                    what + ": frame " + std::to_string(q.absent.front()) + ", file \"" +
                        q.file(q.absent.front()) + "\", is missing" +
                        (q.absent.size() > 1 ? " (one of " + std::to_string(q.absent.size()) + " missing)"
                                             : std::string()),
                    "restore the files, or set the sequence's \"missing\" to \"black\" or \"hold\"")
            .with_file(q.file(q.absent.front()));

    // The picture's size and format, from the first file that exists.
    std::int64_t probe_index = 0;
    while (!q.present(probe_index)) ++probe_index;
    MediaInfo first = probe_media(q.file(probe_index));
    if (!first.video)
        throw Error(ErrorCode::media, "media", what + ": \"" + q.file(probe_index) + "\" holds no picture")
            .with_file(q.file(probe_index));
    MediaInfo info;
    info.path = pattern;
    info.container = "image sequence (" + first.container + ")";
    info.stream_count = 1;
    info.video = first.video;
    info.video->index = 0;
    info.video->frame_rate = q.rate;
    info.video->variable_frame_rate = false;
    info.video->frame_count = q.frames;
    info.video->keyframe_interval = 1;
    info.duration = Rational(q.frames) / q.rate;
    info.video->duration = info.duration;

    // Identity: the range, the policy, and every file's size and modification time.
    Sha256 h;
    h.update("reel-sequence-1 " + pattern + " first=" + std::to_string(q.first) +
             " step=" + std::to_string(q.step) + " frames=" + std::to_string(q.frames) +
             " rate=" + q.rate.to_string() + " missing=" + q.missing + "\n");
    for (std::int64_t i = 0; i < q.frames; ++i) {
        if (!q.present(i)) continue;
        struct stat sb {};
        std::string file = q.file(i);
        if (::stat(file.c_str(), &sb) != 0)
            throw Error(ErrorCode::media, "media", what + ": cannot stat \"" + file + "\"").with_file(file);
        info.size_bytes += sb.st_size;
        h.update(std::to_string(i) + " " + std::to_string(sb.st_size) + " " +
                 std::to_string(std::int64_t(sb.st_mtim.tv_sec)) + "." + std::to_string(sb.st_mtim.tv_nsec) +
                 "\n");
    }
    info.fingerprint = h.hex().substr(0, 32);
    info.sequence = std::move(q);
    return info;
}

}  // namespace reel
