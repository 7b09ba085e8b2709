// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "timeline/model.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace reel {

/// A problem in an object's `metadata.reel`: where it is (a JSON pointer into the OTIO
/// document), what is wrong, and what to do.
struct ReelMetaProblem {
    std::string pointer;
    std::string message;
    std::string hint;
};

/// reel's own fields kept in OTIO metadata by to_otio() (timeline/otio_write.h), read back
/// by read_otio(). `object` is an OTIO Clip or Stack at `pointer`; when its
/// `metadata.reel.item` is an object, the fields it holds (in reel JSON form: `transform`,
/// `crop`, `opacity`, `color`, `fade_in`, `fade_out`, `gain_db`, `mute`) replace those of
/// `item`; for a Stack shown as a comp item, `metadata.reel.composition` (`width`,
/// `height`, `background`, `duration`) sets those of `comp` (its `name` is for
/// people: each nested stack is a composition of its own). The fields are validated as
/// reel's parser validates them; problems are returned, and nothing is applied then.
std::vector<ReelMetaProblem> apply_reel_item_metadata(const nlohmann::json& object,
                                                      const std::string& pointer, Item& item,
                                                      Composition* comp);

/// The `audio` and `video` settings of a Timeline's `metadata.reel` (`reel` is that
/// object, at `pointer`), in reel's `output` form, applied to `output`.
std::vector<ReelMetaProblem> apply_reel_output_metadata(const nlohmann::json& reel,
                                                        const std::string& pointer, Output& output);

/// A LinearTimeWarp's exact time scalar: its `metadata.reel.time_scalar` (a fraction such
/// as "1/3", which a JSON number cannot hold) when that rounds to the `time_scalar` the
/// effect holds (`scalar`); else `scalar` (the effect was edited since).
Rational refine_time_scalar(const nlohmann::json& effect, const Rational& scalar);

}  // namespace reel
