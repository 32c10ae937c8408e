#include "app/gui/fonts.h"

#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>
#include <utf8proc.h>

#include <filesystem>

namespace attn::gui {

namespace {
const char* kMainFonts[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"};
const char* kFallbackFonts[] = {"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
                                "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"};

std::string first_existing(const char* const* paths, size_t n) {
  for (size_t k = 0; k < n; ++k)
    if (std::filesystem::exists(paths[k])) return paths[k];
  return "";
}

// Latin-1, Latin Extended-A/B, Greek, Cyrillic, general punctuation, arrows and math operators:
// what DejaVu covers and labels commonly use.
const ImWchar kBaseRanges[] = {0x0020, 0x024F, 0x0370, 0x03FF, 0x0400, 0x04FF, 0x2000, 0x206F,
                               0x2190, 0x21FF, 0x2200, 0x22FF, 0x25A0, 0x25FF, 0};
bool in_base(unsigned cp) {
  for (int k = 0; kBaseRanges[k]; k += 2)
    if (cp >= kBaseRanges[k] && cp <= kBaseRanges[k + 1]) return true;
  return false;
}
}  // namespace

void FontManager::init(float pixel_size) {
  size_ = pixel_size;
  main_path_ = first_existing(kMainFonts, std::size(kMainFonts));
  fallback_path_ = first_existing(kFallbackFonts, std::size(kFallbackFonts));
  dirty_ = true;
}

bool FontManager::want_text(const std::string& text) {
  bool added = false;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = utf8proc_ssize_t(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) break;  // invalid UTF-8: stop; the text is shown with '?' for what is missing
    p += n;
    left -= n;
    if (cp > 0 && cp <= 0xFFFF && !in_base(unsigned(cp)) && extra_.insert(unsigned(cp)).second) added = true;
  }
  if (added) dirty_ = true;
  return added;
}

void FontManager::build() {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  ImFontConfig cfg;
  cfg.OversampleH = 2;
  cfg.OversampleV = 1;
  if (!main_path_.empty())
    io.Fonts->AddFontFromFileTTF(main_path_.c_str(), size_, &cfg, kBaseRanges);
  else
    io.Fonts->AddFontDefault();
  if (!fallback_path_.empty() && !extra_.empty()) {
    // Ranges must outlive the atlas build; keep them in a static buffer rebuilt each time.
    static ImVector<ImWchar> ranges;
    ImFontGlyphRangesBuilder builder;
    for (unsigned cp : extra_) builder.AddChar(ImWchar(cp));
    ranges.clear();
    builder.BuildRanges(&ranges);
    ImFontConfig merge;
    merge.MergeMode = true;
    merge.OversampleH = 1;
    io.Fonts->AddFontFromFileTTF(fallback_path_.c_str(), size_, &merge, ranges.Data);
  }
  io.Fonts->Build();
}

bool FontManager::rebuild_if_needed() {
  if (!dirty_) return false;
  build();
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  dirty_ = false;
  return true;
}

}  // namespace attn::gui
