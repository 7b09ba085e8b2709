// SPDX-License-Identifier: Apache-2.0
#include "util/scratch_dir.h"

#include "util/error.h"

#include <cstdlib>

namespace reel {

ScratchDir::ScratchDir(const std::filesystem::path& parent, const std::string& prefix)
{
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    std::string templ = (parent / (prefix + "XXXXXX")).string();
    if (ec || !::mkdtemp(templ.data()))
        throw Error(ErrorCode::io, "io", "cannot create a folder in \"" + parent.string() + "\"",
                    "check that it is a writable folder")
            .with_file(parent.string());
    path = templ;
}

ScratchDir::~ScratchDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

}  // namespace reel
