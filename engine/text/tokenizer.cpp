#include "engine/text/tokenizer.h"

#include <filesystem>

#include "engine/core/error.h"
#include "engine/text/bpe.h"
#include "engine/text/simple_tokenizers.h"

namespace attn {

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir, const nlohmann::json& config, int model_vocab_size) {
  namespace fs = std::filesystem;
  const std::string vocab_json = dir + "/vocab.json", merges = dir + "/merges.txt", vocab_txt = dir + "/vocab.txt";
  std::string kind;
  if (config.is_object() && config.contains("attnscope_tokenizer")) {
    const auto& k = config["attnscope_tokenizer"];
    if (!k.is_string() || (k != "bpe" && k != "word" && k != "char"))
      throw InputError(dir + "/config.json", "attnscope_tokenizer is " + k.dump() + "; allowed: \"bpe\", \"word\", \"char\"");
    kind = k.get<std::string>();
  } else if (fs::exists(vocab_json) && fs::exists(merges)) {
    kind = "bpe";
  } else {
    throw InputError(dir, "no tokenizer: the folder needs vocab.json + merges.txt (GPT-2 BPE), or vocab.txt with "
                          "\"attnscope_tokenizer\": \"word\" or \"char\" in config.json");
  }
  std::unique_ptr<Tokenizer> t;
  if (kind == "bpe")
    t = std::make_unique<BpeTokenizer>(BpeTokenizer::from_files(vocab_json, merges));
  else
    t = std::make_unique<VocabTokenizer>(VocabTokenizer::from_file(
        kind == "word" ? VocabTokenizer::Mode::Word : VocabTokenizer::Mode::Char, vocab_txt));
  if (model_vocab_size > 0 && t->vocab_size() > model_vocab_size)
    throw InputError(dir, "the tokenizer has " + std::to_string(t->vocab_size()) + " ids but the model's vocab_size is " +
                              std::to_string(model_vocab_size));
  return t;
}

}  // namespace attn
