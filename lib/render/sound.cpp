// SPDX-License-Identifier: Apache-2.0
#include "render/sound.h"

#include "render/keys.h"
#include "util/error.h"
#include "util/stopwatch.h"

namespace reel {

std::optional<AudioTrackSettings> audio_track_for(const Timeline& tl, const SourceTable& sources,
                                                  const RenderOptions& options)
{
    if (options.audio != "none" && options.audio != "auto" && options.audio != "always")
        throw Error(ErrorCode::usage, "render",
                    "audio mode \"" + options.audio + "\" is not auto, always or none");
    bool heard = options.audio != "none" && timeline_has_audio(tl, sources);
    if (!heard && options.audio != "always") return std::nullopt;
    return AudioTrackSettings{tl.output.audio.sample_rate, tl.output.audio.channels, options.audio_codec, 0};
}

AudioMixOptions mix_options(const Timeline& tl, const RenderOptions& options, FrameRange range,
                            const AudioTrackSettings& track)
{
    AudioMixOptions ao;
    ao.sample_rate = track.sample_rate;
    ao.channels = track.channels;
    ao.range = TimeRange{frame_to_time(range.begin, tl.output.fps), frame_to_time(range.end, tl.output.fps)};
    ao.tolerate_errors = options.tolerate_audio_errors;
    return ao;
}

namespace {

/// Mixes and encodes a range half a second at a time into an MP4 at `path`: memory holds
/// a chunk, never the whole range's samples or packets.
void mix_and_encode(const Timeline& tl, const SourceTable& sources, const RenderOptions& options,
                    const AudioMixOptions& ao, AudioEncoder& encoder, const std::string& path,
                    AudioMixResult& figures)
{
    MuxerOptions mo;
    mo.container = "mp4";
    mo.in_place = true;
    Muxer muxer(path, mo);
    int stream = muxer.add_stream(encoder.parameters(), encoder.time_base());
    muxer.start();
    AudioMixer mixer(tl, sources, ao);
    std::vector<float> chunk;
    bool last = false;
    while (!last) {
        if (options.stopped())
            throw Error(ErrorCode::interrupted, "render", "the sound was interrupted; nothing was written");
        mixer.mix_next(ao.sample_rate / 2, chunk);
        last = mixer.position() >= mixer.frames();
        for (auto& p : encoder.encode_more(chunk, last)) muxer.write(stream, p);
    }
    muxer.finish(true);
    figures = mixer.stats();
}

}  // namespace

std::optional<RenderSound> make_sound(const Timeline& tl, const SourceTable& sources,
                                      const RenderOptions& options, FrameRange range,
                                      const std::string& container, SegmentCache& cache, RenderResult& result)
{
    Stopwatch t;
    std::optional<AudioTrackSettings> wanted = audio_track_for(tl, sources, options);
    if (!wanted) return std::nullopt;
    AudioEncoder encoder(*wanted, container, options.output);  // also checks codec and container
    std::string key = sound_key({tl, sources, *wanted, encoder.name(), range, options.tolerate_audio_errors});
    result.audio = true;
    result.writer.audio_encoder = encoder.name();
    RenderSound sound;
    // With --audio-errors silence the mix carries warnings the cache does not keep: mixed
    // every time, so they are seen every time.
    bool cacheable = !options.tolerate_audio_errors;
    if (cacheable && cache.find(key) == CacheLookup::found) {
        sound.reader = std::make_unique<TrackReader>(cache.file_for(key).string());
        result.audio_cached = true;
        result.audio_mix.sample_rate = wanted->sample_rate;
        result.audio_mix.channels = wanted->channels;
        result.audio_mix.frames = cache.frames_of(key);
    } else {
        PendingFile file = cache.pending(key);
        mix_and_encode(tl, sources, options, mix_options(tl, options, range, *wanted), encoder,
                       file.path().string(), result.audio_mix);
        // Opened before it is published: the open file outlives a rename or an eviction.
        sound.reader = std::make_unique<TrackReader>(file.path().string());
        // Published for the next render unless another process is writing the same sound.
        if (auto lock = cacheable ? cache.try_lock(key) : std::nullopt;
            lock && cache.find(key, false) != CacheLookup::found)
            cache.publish(key, file, result.audio_mix.frames);
        else
            sound.own.emplace(std::move(file));
    }
    result.audio_seconds = t.seconds();
    return sound;
}

}  // namespace reel
