"""Find the links a model card holds: code repositories, papers, datasets, other URLs.

Pure functions over untrusted text. Nothing here fetches anything: GitHub repositories and
Hub datasets are later verified through the configured API endpoints only; every other
URL is kept as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

# The card-reading rules (training context, named corpora, lineage from prose). Stored with what a
# card gave (the documentation evidence) and in every score's rules stamp: a change re-reads the
# cards whose commit did not change (catalog.ingest.crawl.model_crawl). 2: bases named before
# "checkpoints fine-tuned on" and model ids after "trained on", corpora named beyond the fixed
# list, statements that part of the training data is not public. 3: datasets of a sentence about
# post-training are a base model's siblings' data, a post-trained model's own. 4: a base named in
# prose by family, version and size ("trained from Llama-2 13b", "fine-tuned on Llama2 70B") is
# looked up among the catalogued models of every organisation, with where the card says it.
# 5: a link to a repository's branch root (tree/<branch>) is recorded with its ref; links into a
# repository's folder or file under a heading about training or reproducing the model; a
# training config printed in the card (model_name_or_path and training keys).
CARD_RULES_VERSION = "5"

URL_RE = re.compile(r"""(?:https?://|www\.)[^\s<>"'`\\{}|^\[\]]+""", re.IGNORECASE)
SSH_GITHUB_RE = re.compile(r"git@github\.com:([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]{1,100})", re.IGNORECASE)
ARXIV_TEXT_RE = re.compile(r"\barxiv[:\s]\s*(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
ARXIV_ID_RE = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?$|^([a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
TRAILING = ".,;:!?)]}'\"`*_>~"
GITHUB_OWNER_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
GITHUB_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
HUB_ID_PART_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
# github.com/<these> are site pages, not repositories
GITHUB_RESERVED = {
    "about",
    "apps",
    "blog",
    "collections",
    "contact",
    "customer-stories",
    "enterprise",
    "events",
    "explore",
    "features",
    "issues",
    "login",
    "marketplace",
    "new",
    "notifications",
    "orgs",
    "organizations",
    "pricing",
    "pulls",
    "search",
    "security",
    "settings",
    "site",
    "sponsors",
    "topics",
    "trending",
    "users",
    "join",
    "readme",
    "codespaces",
    "team",
    "solutions",
    "resources",
}
HUB_RESERVED = {
    "datasets",
    "spaces",
    "docs",
    "blog",
    "models",
    "papers",
    "join",
    "login",
    "pricing",
    "tasks",
    "learn",
    "api",
    "settings",
    "organizations",
    "collections",
    "posts",
    "chat",
    "new",
    "enterprise",
    "inference-endpoints",
    "huggingface",
    "terms-of-service",
    "privacy",
    "welcome",
    "brand",
}
DATASET_HOSTS = (
    "kaggle.com/datasets",
    "zenodo.org",
    "commoncrawl.org",
    "figshare.com",
    "openml.org",
    "registry.opendata.aws",
    "data.mendeley.com",
    "dataverse",
    "paperswithcode.com/dataset",
    "image-net.org",
    "laion.ai",
    "tensorflow.org/datasets",
    "storage.googleapis.com",
)


# Methodology v2: a dataset counts as training data only where the card's context says so.
TRAINING_HEADING_RE = re.compile(
    r"train|data|corpus|fine-?tun|pre-?train|sft|dpo|rlhf|instruct|align|recipe|mixture|post-?train",
    re.IGNORECASE,
)
EVALUATION_HEADING_RE = re.compile(
    r"eval|benchmark|result|performance|leaderboard|comparison|citation|reference|limitation|bias|quantiz"
    r"|other models|related|model family|variants|usage|how to use|quick ?start|inference|deploy",
    re.IGNORECASE,
)
TRAINING_SENTENCE_RE = re.compile(
    r"\b(?:(?:pre-?|post-?|fine-?|further |continued? )?train(?:ed|ing)?"
    r"|fine-?tun(?:ed|ing)|finetun(?:ed|ing)"
    r"|align(?:ed|ment)|distill(?:ed|ation)|instruction-?tuned|sft|dpo)\b[^.\n]{0,80}?\b(?:on|with|using|from)\b",
    re.IGNORECASE,
)
# a labelled line: "Data: ...", "Training datasets: ..."
DATA_LABEL_RE = re.compile(
    r"^\W*(?:pre-?training |training |fine-?tuning )?(?:data|datasets?|corpus)\W*[:：]", re.I
)
# "Post-training uses the Tulu 3 SFT mix ...": in a base model's card, the data its post-trained
# siblings (SFT / DPO / Instruct) were made with, not its own (v2: sibling variants' data is
# not the model's); in a post-trained model's card, its own fine-tuning data
POST_TRAINING_SENTENCE_RE = re.compile(r"\bpost-?train(?:ing|ed)?\b", re.IGNORECASE)
EVALUATION_SENTENCE_RE = re.compile(r"\b(?:evaluat\w*|benchmark\w*|tested on|scores? on)\b", re.IGNORECASE)
# "Finetuned from model: X", "fine-tuned version of X", "based on X": a base stated in prose
LINEAGE_LINE_RE = re.compile(
    r"(?:fine-?tuned|finetuned|fine-?tuning|distilled|quantized|quantised)"
    r"\s+(?:\w+\s+){0,3}?(?:from|of|on top of|upon|based on)\b"
    r"|(?:trained|adapted|merged|instruction-?tuned|continued pre-?training|built)"
    r"\s+(?:\w+\s+){0,3}?(?:from|on top of|upon|based on)\b"
    r"|\bbase[ _-]?model\s*[:=]|^\W*base\W*\s*[:=]|\bbased on\b"
    r"|\bstarts? from (?:the )?(?:pre-?trained )?|\binitiali[sz]ed from\b|\ba derivative of\b"
    # "Derived from EleutherAI's Pythia-12b" opening a line (not "a dataset derived from X"),
    # "Instruction-following version of LLM360/Amber"
    r"|^\W*(?:this model is\s+)?derived from\b"
    r"|\b(?:instruction[- ]following|instruction[- ](?:fine-?)?tuned|instruct|chat|fine-?tuned|aligned)"
    r"\s+version of\b",
    re.IGNORECASE,
)
BARE_HUB_ID_RE = re.compile(
    r"(?<![\w/.-])([A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95})(?![\w/])"
)
# a heading under which a link into a repository points to the model's training recipe (v4)
RECIPE_HEADING_RE = re.compile(r"reproduc|replicat|recipe|train|fine-?tun", re.IGNORECASE)
# a training config printed in the card (v4): the model it starts from, and training keys
CODE_FENCE_RE = re.compile(r"^\s*(```|~~~)")
RECIPE_BASE_RE = re.compile(
    r"""^\s*["']?model_name_or_path["']?\s*[:=]\s*["']?([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)["']?\s*,?\s*$"""
)
RECIPE_KEY_RE = re.compile(
    r"""^\s*["']?(learning_rate|num_train_epochs|max_steps|per_device_train_batch_size|"""
    r"""gradient_accumulation_steps|warmup_ratio|warmup_steps|lr_scheduler_type|dataset_mixer|"""
    r"""dataset_mixture|beta|optim|weight_decay|max_seq_length|max_length|max_prompt_length)["']?\s*[:=]"""
)
NOT_CODE_HEADING_RE = re.compile(
    r"citation|cite|bibtex|reference|acknowledg|bias|limitation|risk|misuse|licen[cs]e|contact",
    re.IGNORECASE,
)
# a repository linked as a comparison, as the source of a method, as a help / community page
# (FAQ, chat, issues) or as a benchmark ("[GSM8k Benchmarks](github.com/openai/grade-school-math)")
# is not the model's source either (methodology v2: repositories linked in a source / code context)
NOT_CODE_SENTENCE_RE = re.compile(
    r"\bcompared (?:with|to)\b|\bcomparison\b|\boutperform\w*|\bversus\b|\bvs\.?\s"
    # another work cited for a method it introduced ("the mask-generation strategy presented in LAMA")
    r"|\b(?:strateg(?:y|ies)|method|approach|technique) (?:presented|proposed|introduced|described) in\b",
    re.IGNORECASE,
)
COMMUNITY_LABEL_RE = re.compile(
    r"\b(?:FAQ|learning hub|wechat|discord|slack|community|forum|benchmarks?)\b", re.IGNORECASE
)
DATA_CONTEXT_RE = re.compile(
    r"\b(?:training|pre-?training)\s+(?:data|dataset|corpus|corpora)\b", re.IGNORECASE
)
# a repository file that is a model card (Stable_Diffusion_v1_Model_Card.md, MODEL_CARD.md) is
# read as a reference to another card, not as the model's code
MODEL_CARD_FILE_RE = re.compile(r"/blob/.*model[_-]?card[^/]*\.md$", re.IGNORECASE)
# a BibTeX entry (@misc{...}) in the card: the links in it are references
BIBTEX_ENTRY_RE = re.compile(
    r"@(?:misc|article|inproceedings|incollection|techreport|software|online|book|unpublished)\s*\{"
    r".*?\n\s*\}",
    re.IGNORECASE | re.DOTALL,
)
COMMUNITY_PATH_RE = re.compile(r"^/[^/]+/[^/]+/(?:issues|discussions|pulls|wiki)(?:/|$)", re.IGNORECASE)
# names a corpus goes by in Hub ids, so a text mention and its linked dataset count once
CORPUS_ALIASES = {
    "OpenAssistant Conversations": ("oasst1", "oasst2", "oasst"),
    "UltraChat": ("ultrachat",),
    "UltraFeedback": ("ultrafeedback",),
    "The Stack": ("the-stack", "thestack", "starcoderdata"),
    "StarCoderData": ("starcoderdata",),
    "FineWeb": ("fineweb",),
    "RedPajama": ("redpajama",),
    "SlimPajama": ("slimpajama",),
    "The Pile": ("pile",),
    "ROOTS": ("roots",),
    "Dolma": ("dolma",),
    "DCLM": ("dclm",),
    "xP3": ("xp3",),
    "mC4": ("mc4",),
    "C4": ("c4",),
    "LAION": ("laion",),
}
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z\[(*])")
HEADING_RE = re.compile(r"^\s*(#{1,6})\s+(.*?)\s*#*\s*$|^\s*<h[1-6][^>]*>(.*?)</h[1-6]>", re.IGNORECASE)


# Corpora cards name in plain text (methodology v2: "a dataset named in plain text without a
# link is named"). Matched whole-word, case-insensitively, in training-context lines only;
# the value is the name recorded. Kept short and unambiguous on purpose.
NAMED_CORPORA = {
    r"the pile": "The Pile",
    r"refinedweb": "RefinedWeb",
    r"redpajama(?:[- ]v?2)?": "RedPajama",
    r"slimpajama": "SlimPajama",
    r"dolma": "Dolma",
    r"fineweb(?:-edu)?": "FineWeb",
    r"dclm(?:-baseline)?": "DCLM",
    r"(?<![\w-])c4(?![\w-])|colossal clean crawled corpus": "C4",
    r"mc4": "mC4",
    r"roots corpus|bigscience roots": "ROOTS",
    r"the stack(?: v2)?": "The Stack",
    r"starcoderdata": "StarCoderData",
    r"common ?crawl": "Common Crawl",
    r"bookcorpus|books3": "BookCorpus",
    r"openwebtext": "OpenWebText",
    r"laion-?(?:5b|2b|400m|aesthetics)": "LAION",
    r"imagenet(?:-1k|-21k|-22k)?": "ImageNet",
    r"librispeech": "LibriSpeech",
    r"common voice": "Common Voice",
    r"oscar(?: corpus)?(?![\w-])": "OSCAR",
    r"culturax": "CulturaX",
    r"madlad-?400": "MADLAD-400",
    r"openwebmath": "OpenWebMath",
    r"proof-?pile(?:-2)?": "Proof-Pile",
    r"ultrachat": "UltraChat",
    r"ultrafeedback": "UltraFeedback",
    r"sharegpt": "ShareGPT",
    r"openhermes": "OpenHermes",
    r"oasst1|openassistant conversations": "OpenAssistant Conversations",
    r"xp3": "xP3",
    r"lvd-142m": "LVD-142M",
    r"webli": "WebLI",
    r"wikipedia": "Wikipedia",
}
_NAMED_CORPORA_RE = [
    (re.compile(rf"(?<![\w/]){pattern}(?![\w/])", re.IGNORECASE), name)
    for pattern, name in NAMED_CORPORA.items()
]


def is_training_context(heading: str, line: str) -> bool:
    """Does this line of a card speak of what the model was trained on?"""
    if (TRAINING_SENTENCE_RE.search(line) or DATA_LABEL_RE.match(line)) and not EVALUATION_SENTENCE_RE.search(
        line
    ):
        return True
    return (
        bool(heading)
        and bool(TRAINING_HEADING_RE.search(heading))
        and not EVALUATION_HEADING_RE.search(heading)
    )


@dataclass
class ExtractedLinks:
    github_repos: list[str] = field(default_factory=list)  # "owner/name", lower-cased
    # repositories the card links only through sub-folders (github.com/o/r/tree/<ref>/<path>):
    # "owner/name" -> ["<ref>/<path>", ...]; the card is about those folders only (v2)
    github_subfolders: dict[str, list[str]] = field(default_factory=dict)
    # links into a repository's folder or file (tree/ or blob/) under a heading about training or
    # reproducing the model: "owner/name" -> ["<ref>/<path>", ...] (v4: a recipe the card points to)
    github_recipe_links: dict[str, list[str]] = field(default_factory=dict)
    # a training config printed in the card: {"base": model_name_or_path, "keys": [...]} (v4)
    card_recipe: dict[str, Any] | None = None
    arxiv_ids: list[str] = field(default_factory=list)
    hub_datasets: list[str] = field(default_factory=list)  # linked in a training context
    hub_datasets_other: list[str] = field(default_factory=list)  # evaluation, siblings, prose
    # training-context datasets a sentence about post-training names: the crawler files them
    # with the model's data when it is itself post-trained (it has a base), else as its
    # siblings' (catalog.ingest.crawl.post_training_datasets_place)
    hub_datasets_post_training: list[str] = field(default_factory=list)
    hub_collections: list[str] = field(default_factory=list)  # "org/slug" in a training context
    hub_collections_unread: list[str] = field(default_factory=list)  # of those, what could not be read
    # GitHub repositories the card links for its training data ("data reconstruction scripts at
    # github.com/org/pretrain-data"): data documentation the crawler does not read yet
    data_doc_repos: list[str] = field(default_factory=list)
    base_models: list[str] = field(default_factory=list)  # bases the card's text states
    dataset_names: list[str] = field(default_factory=list)  # corpora named in training text, no link
    license_statements: list[str] = field(default_factory=list)  # sentences that state a licence
    evaluation_section: bool = False  # the card has an evaluation / results / benchmark section
    base_names: list[str] = field(default_factory=list)  # bases stated by a name, not a Hub id
    # a model name with a size read after "fine-tuned on / trained on" ("fine-tuned on Llama2 70B"):
    # lineage only when it names exactly one catalogued model (else nothing: it may be data)
    base_names_after_on: list[str] = field(default_factory=list)
    # where the card states each of those names: name -> {"heading": ..., "sentence": n (1-based),
    # "says": the words that state it ("fine-tuned from")}
    base_name_where: dict[str, dict] = field(default_factory=dict)
    # training stages (sft, dpo, ppo ...) named in the sentence that says how this model was
    # made from its base ("fine-tuned from X ..., then aligned with TRL's DPOTrainer")
    training_stages: list[str] = field(default_factory=list)
    # "BLOOM and mT5 checkpoints finetuned on xP3": (name, the subject it is paired with, or "").
    # Lineage only when the Hub's listing resolves the name (one that matches no repository is
    # not taken for a model); see catalog.ingest.crawl.base_names_resolve
    base_name_candidates: list[tuple[str, str]] = field(default_factory=list)
    # sentences of the card's training-data text saying part of the data is not public (v2: the
    # data is then partial at best, whatever public dataset the metadata names)
    data_withheld: list[str] = field(default_factory=list)
    hub_models: list[str] = field(default_factory=list)
    dataset_urls: list[str] = field(default_factory=list)  # other dataset hosts, never fetched
    other_urls: list[str] = field(default_factory=list)  # kept as text, never fetched
    dropped: int = 0  # links over the per-card cap

    def total(self) -> int:
        return sum(
            len(v)
            for v in (
                self.github_repos,
                self.arxiv_ids,
                self.hub_datasets,
                self.hub_models,
                self.dataset_urls,
                self.other_urls,
            )
        )


def clean_url(raw: str) -> str:
    url = raw.strip()
    while True:
        trimmed = url.rstrip(TRAILING.replace(")", ""))
        # a closing parenthesis belongs to the URL only when it closes one opened inside it
        if trimmed.endswith(")") and trimmed.count("(") < trimmed.count(")"):
            trimmed = trimmed[:-1]
        if trimmed == url:
            break
        url = trimmed
    if url.lower().startswith("www."):
        url = "https://" + url
    return url


def normalize_github_repo(url: str) -> str | None:
    """'https://github.com/Org/Repo.git/tree/main/x' -> 'org/repo'; None for non-repository URLs."""
    match = SSH_GITHUB_RE.search(url)
    if match:
        owner, name = match.groups()
    else:
        parts = urlsplit(clean_url(url))
        host = (parts.hostname or "").lower()
        if host not in ("github.com", "www.github.com"):
            return None
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if len(segments) < 2:
            return None
        owner, name = segments[0], segments[1]
    if match is None:
        lowered = url.lower()
        # an image or file served from a repository is an asset, not a reference to the code
        if "raw=true" in lowered or re.search(r"\.(png|jpe?g|gif|svg|webp|pdf|mp4)(\?|#|$)", lowered):
            return None
    name = name.rstrip(TRAILING).removesuffix(".git")
    if name.lower().endswith(".github.io"):
        return None  # a project's website, not its code
    if owner.lower() in GITHUB_RESERVED or not GITHUB_OWNER_RE.match(owner) or not GITHUB_NAME_RE.match(name):
        return None
    if name in (".", ".."):
        return None
    return f"{owner.lower()}/{name.lower()}"


def _tree_subfolder(url: str) -> str:
    """'https://github.com/o/r/tree/master/e5' -> 'master/e5' ('' unless a folder below a ref).

    A branch name may hold slashes (tree/Muennighoff/MoE), so the ref and the folder are told
    apart later, against the repository's default branch."""
    parts = urlsplit(clean_url(url))
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) < 4 or segments[2] != "tree":  # v4: a branch's root (tree/nllb) too
        return ""
    return "/".join(segments[3:]).strip("/")


def _pointed_path(url: str) -> str:
    """'https://github.com/o/r/blob/main/a/b' -> 'main/a/b': a folder or file below a ref,
    linked through ``tree/`` or ``blob/`` (GitHub shows a folder either way); '' otherwise."""
    segments = [unquote(s) for s in urlsplit(clean_url(url)).path.split("/") if s]
    if len(segments) < 5 or segments[2] not in ("tree", "blob"):
        return ""
    return "/".join(segments[3:]).strip("/")


def card_recipe(text: str) -> dict[str, Any] | None:
    """A training config printed in the card (v4): a fenced YAML / JSON block that sets
    ``model_name_or_path`` to a Hub id and at least one training key (``learning_rate``,
    ``dataset_mixer``, ``beta`` ...). Returns {"base": <id>, "keys": [...]}, or None."""
    block: list[str] | None = None
    for line in text.splitlines():
        if CODE_FENCE_RE.match(line):
            if block is None:
                block = []
                continue
            base = next((m.group(1) for m in map(RECIPE_BASE_RE.match, block) if m), None)
            keys = sorted({m.group(1) for m in map(RECIPE_KEY_RE.match, block) if m})
            if base and keys:
                return {"base": base, "keys": keys}
            block = None
            continue
        if block is not None:
            block.append(line)
    return None


def normalize_arxiv_id(value: str) -> str | None:
    value = value.strip()
    match = ARXIV_ID_RE.match(value)
    if not match:
        return None
    return match.group(1) or match.group(2)


def _arxiv_from_url(parts) -> str | None:
    path = parts.path
    for prefix in ("/abs/", "/pdf/", "/html/"):
        if path.startswith(prefix):
            return normalize_arxiv_id(path[len(prefix) :].removesuffix(".pdf").strip("/"))
    return None


def _hub_path(parts) -> tuple[str, str] | None:
    """('datasets', 'org/name') or ('models', 'org/name') for huggingface.co URLs."""
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if len(segments) >= 3 and segments[0] == "collections":
        return "collections", f"{segments[1]}/{segments[2]}"
    if segments and segments[0] == "datasets":
        if len(segments) >= 3 and HUB_ID_PART_RE.match(segments[1]) and HUB_ID_PART_RE.match(segments[2]):
            return "datasets", f"{segments[1]}/{segments[2]}"
        return None
    if (
        len(segments) >= 2
        and segments[0] not in HUB_RESERVED
        and HUB_ID_PART_RE.match(segments[0])
        and HUB_ID_PART_RE.match(segments[1])
    ):
        return "models", f"{segments[0]}/{segments[1]}"
    return None


def _add(found: ExtractedLinks, bucket: list[str], seen: set[str], value: str, max_links: int) -> None:
    """Keep a new link, or count it as dropped once the card's cap is reached; repeats cost nothing."""
    key = value.lower()
    if key in seen:
        return
    seen.add(key)
    if found.total() >= max_links:
        found.dropped += 1
    else:
        bucket.append(value)


def extract_links(text: str, *, max_links: int = 50) -> ExtractedLinks:
    """Classify every link in ``text``; at most ``max_links`` are kept, the other distinct ones counted."""
    found = ExtractedLinks()
    seen: set[str] = set()
    sections = list(_sections(text))  # the card read once; every reader below walks it
    context = _link_context(sections)
    model_links = _model_link_ids(text)
    found.base_models = _stated_bases(sections, model_links)
    stated = [] if found.base_models else _stated_base_names(sections)
    found.base_names = [name for name, *_ in stated]
    after_on = [] if found.base_models or stated else _sized_names_after_on(sections)
    found.base_names_after_on = [name for name, *_ in after_on]
    found.base_name_where = {
        name: {"heading": heading, "sentence": index + 1, "says": says}
        for name, heading, index, says in stated + after_on
    }
    found.base_name_candidates = (
        [] if found.base_models or found.base_names else _base_name_candidates(sections)
    )
    found.dataset_names = _named_corpora(sections)
    found.data_withheld = _data_withheld(sections)
    found.license_statements = _license_statements(sections)
    found.training_stages = _training_stages(sections)
    found.card_recipe = card_recipe(text)
    found.evaluation_section = any(
        re.search(r"\b(?:eval\w*|benchmark\w*|results?)\b", (m.group(2) or m.group(3) or ""), re.IGNORECASE)
        for m in (HEADING_RE.match(line) for line in text.splitlines())
        if m
    )
    candidates = [m.group(0) for m in URL_RE.finditer(text)]
    whole: set[str] = set()
    cited = {m.group(0) for entry in BIBTEX_ENTRY_RE.finditer(text) for m in URL_RE.finditer(entry.group(0))}
    candidates += [m.group(0) for m in SSH_GITHUB_RE.finditer(text)]
    for raw in candidates:
        url = clean_url(raw)
        repo = normalize_github_repo(url)
        if repo:
            heading, sentence = context.get(raw, ("", ""))
            if (
                NOT_CODE_HEADING_RE.search(heading)
                or NOT_CODE_SENTENCE_RE.search(sentence)
                or COMMUNITY_LABEL_RE.search(_label_of(sentence, raw))
                or COMMUNITY_PATH_RE.match(urlsplit(url).path)
                or MODEL_CARD_FILE_RE.search(urlsplit(url).path)
                or raw in cited
            ):
                # a repository cited in the references, biases or licence notes is not the
                # model's source (v2: repositories linked in a source / code / training context)
                _add(found, found.other_urls, seen, url, max_links)
            else:
                _add(found, found.github_repos, seen, repo, max_links)
                subfolder = _tree_subfolder(url)
                if subfolder and repo not in whole:
                    found.github_subfolders.setdefault(repo, [])
                    if subfolder not in found.github_subfolders[repo]:
                        found.github_subfolders[repo].append(subfolder)
                elif not subfolder:
                    whole.add(repo)  # linked at its root or through a file: the whole repository
                    found.github_subfolders.pop(repo, None)
                pointed = _pointed_path(url)
                if (
                    pointed
                    and RECIPE_HEADING_RE.search(heading)
                    and not EVALUATION_HEADING_RE.search(heading)
                ):
                    pointers = found.github_recipe_links.setdefault(repo, [])
                    if pointed not in pointers:
                        pointers.append(pointed)
                lead = sentence[: max(sentence.find(raw), 0)][-100:]  # what introduces this link
                if (
                    DATA_CONTEXT_RE.search(lead)
                    and not EVALUATION_HEADING_RE.search(heading)
                    and repo not in found.data_doc_repos
                ):
                    found.data_doc_repos.append(repo)
            continue
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        if not host:
            continue
        if host in ("arxiv.org", "export.arxiv.org"):
            arxiv_id = _arxiv_from_url(parts)
            if arxiv_id:
                _add(found, found.arxiv_ids, seen, arxiv_id, max_links)
                continue
        if host in ("huggingface.co", "hf.co"):
            hub = _hub_path(parts)
            if hub:
                if hub[0] == "datasets":
                    heading, sentence = context.get(raw, ("", ""))
                    training = is_training_context(heading, sentence)
                    bucket = found.hub_datasets if training else found.hub_datasets_other
                    if training and POST_TRAINING_SENTENCE_RE.search(sentence):
                        bucket = found.hub_datasets_post_training
                elif hub[0] == "collections":
                    if not is_training_context(*context.get(raw, ("", ""))):
                        continue
                    bucket = found.hub_collections
                else:
                    bucket = found.hub_models
                _add(found, bucket, seen, hub[1], max_links)
                continue
        if any(marker in (host + parts.path).lower() for marker in DATASET_HOSTS):
            # v2: a dataset page elsewhere is training data only in a training context
            # (a benchmark page or a report PDF on a storage host is not)
            training = is_training_context(*context.get(raw, ("", "")))
            if training and not parts.path.lower().endswith(".pdf"):
                _add(found, found.dataset_urls, seen, url, max_links)
            else:
                _add(found, found.other_urls, seen, url, max_links)
            continue
        if host == "github.com":
            continue  # site pages of github.com (orgs, topics...) are not references
        _add(found, found.other_urls, seen, url, max_links)
    for match in ARXIV_TEXT_RE.finditer(text):
        _add(found, found.arxiv_ids, seen, match.group(1), max_links)
    return found


def _sections(text: str):
    """(heading, sentence) for every sentence of a card; the heading is the nearest one above.
    Context is judged per sentence of a paragraph (wrapped lines joined): one paragraph often
    says what trained the model and, a sentence later, what evaluated it."""
    heading = ""
    in_code = False
    paragraph: list[str] = []

    lead = ""  # a paragraph ending with ":" introduces the list after it ("Datasets used:")

    def flush():
        nonlocal lead
        joined = " ".join(paragraph)
        paragraph.clear()
        if not joined:
            return []
        is_item = joined[:2] in ("- ", "* ", "+ ") or joined[:1].isdigit()
        out = [
            (heading, f"{lead} {s}" if is_item and lead else s) for s in SENTENCE_SPLIT_RE.split(joined) if s
        ]
        if not is_item:
            lead = joined if joined.rstrip().endswith(":") else ""
        return out

    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else HEADING_RE.match(line)
        if match:
            yield from flush()
            lead = ""
            heading = (match.group(2) or match.group(3) or "").strip()
            continue
        stripped = line.strip()
        if not stripped or in_code or stripped[:2] in ("- ", "* ", "+ ", "| ") or stripped[:1].isdigit():
            yield from flush()  # blank lines, list items, table rows and code start anew
        if stripped:
            paragraph.append(stripped)
    yield from flush()


def _label_of(sentence: str, raw: str) -> str:
    """The Markdown label of the link to ``raw`` in ``sentence`` ("" for a bare URL)."""
    match = re.search(r"\[([^\]]*)\]\(\s*<?" + re.escape(raw), sentence)
    return match.group(1) if match else ""


def _link_context(sections: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Each raw URL -> (its section heading, its line), first occurrence wins."""
    context: dict[str, tuple[str, str]] = {}
    for heading, line in sections:
        for match in URL_RE.finditer(line):
            context.setdefault(match.group(0), (heading, line))
    return context


# the sentence that states how this model was made from its base, and the stages it names
MADE_FROM_RE = re.compile(
    r"\b(?:fine-?tuned|finetuned|trained|aligned) (?:from|on top of|starting from)\b(?! scratch)",
    re.IGNORECASE,
)
STAGE_RES = (
    ("sft", re.compile(r"\bsft\b|\bsupervised fine-?tuning\b", re.IGNORECASE)),
    ("dpo", re.compile(r"\bdpo(?:trainer)?\b|direct preference optimi[sz]ation", re.IGNORECASE)),
    ("ppo", re.compile(r"\bppo(?:trainer)?\b|\brlhf\b", re.IGNORECASE)),
    ("orpo", re.compile(r"\borpo\b", re.IGNORECASE)),
    ("kto", re.compile(r"\bkto\b", re.IGNORECASE)),
    ("grpo", re.compile(r"\bgrpo\b", re.IGNORECASE)),
)
NOT_STAGE_TEXT_RE = re.compile(r"\]\([^)]*\)|https?://\S+|[\w.-]+/[\w.-]+")  # link targets, ids


def _training_stages(sections: list[tuple[str, str]]) -> list[str]:
    """Stages named where the card says how this model was made from its base (v2: a derivative
    whose card names a stage no published script covers has only part of its code out). Hub
    ids and link targets are left out first: "-DPO" in a base's id is not a stage of this one."""
    stages: list[str] = []
    for heading, line in sections:
        if not MADE_FROM_RE.search(line) or not is_training_context(heading, line):
            continue
        if EVALUATION_HEADING_RE.search(heading) or NOT_CODE_SENTENCE_RE.search(line):
            continue  # a comparison with other models, or their results
        text = NOT_STAGE_TEXT_RE.sub(" ", line)
        if re.search(r"\bnot\b|\bwithout\b|\bno\b", text, re.IGNORECASE):
            continue  # "has not been fine-tuned through RLHF": a stage it did not go through
        stages += [name for name, pattern in STAGE_RES if pattern.search(text) and name not in stages]
    return stages


def _license_statements(sections: list[tuple[str, str]]) -> list[str]:
    """Sentences of the card that state a licence (v2: read when the metadata names none)."""
    found: list[str] = []
    for heading, sentence in sections:
        if ("licen" in heading.lower() or "licen" in sentence.lower()) and sentence.strip():
            clean = sentence.strip()[:400]
            if clean and clean not in found:
                found.append(clean)
        if len(found) >= 10:
            break
    return found


# A section about the training data itself ("Training data", "## Data", "Training datasets"),
# not "Data visualization" or "Data processing code": its links name its corpora
TRAINING_DATA_HEADING_RE = re.compile(
    r"^\W*(?:(?:pre-?|post-?)?train(?:ing)?|fine-?tuning|instruction|pre-?training)?\s*"
    r"(?:data(?:sets?)?|corpus|corpora)(?:\s+(?:sources?|mixture|composition|sets?))?\W*$",
    re.IGNORECASE,
)
# hosts whose pages are papers, code, docs or people, never a corpus
NOT_CORPUS_HOSTS = (
    "huggingface.co",
    "hf.co",
    "github.com",
    "arxiv.org",
    "doi.org",
    "aclanthology.org",
    "openreview.net",
    "semanticscholar.org",
    "twitter.com",
    "x.com",
    "discord.gg",
    "colab.research.google.com",
    "wikipedia.org",
)
GENERIC_LABEL_RE = re.compile(
    r"^(?:here|link|this|these|website|page|source|details|more|read more|download)$"
    r"|\b(?:paper|report|blog|post|article|docs?|documentation|model card|datasheet|announcement|license)\b",
    re.IGNORECASE,
)
# a proper name (capitalised words, mid-sentence) followed by what a corpus is called:
# "the Meta Music Initiative Sound Collection", "the Shutterstock music collection", "OPT-IML Bench"
CORPUS_WORDS = r"(?:[Dd]atasets?|[Cc]orpus|[Cc]orpora|[Cc]ollection|[Aa]rchive|Bench|[Dd]ump)"
PROPER_CORPUS_RE = re.compile(
    r"(?<=[\s(])((?:[A-Z][\w.+&-]*\s+){0,4}[A-Z][\w.+&-]*)\s+((?:[a-z]+\s+)?)(" + CORPUS_WORDS + r")\b"
)
# "benchmarks such as Super-NaturalInstructions, FLAN, PromptSource": names that look like names
# (inner capitals, digits, hyphens or all capitals), listed after "such as / including / e.g."
SUCH_AS_RE = re.compile(
    r"\b(?:such as|including|e\.g\.,?|namely)\s+((?:[^.;()]|\.(?=\w)){3,200})", re.IGNORECASE
)
# what opens a capitalised phrase without making it a name: "English corpus", "These datasets"
GENERIC_FIRST_WORDS = {
    "the",
    "this",
    "these",
    "those",
    "our",
    "a",
    "an",
    "its",
    "their",
    "all",
    "some",
    "other",
    "no",
    "english",
    "multilingual",
    "chinese",
    "french",
    "german",
    "spanish",
    "japanese",
    "code",
    "training",
    "pre-training",
    "pretraining",
    "fine-tuning",
    "finetuning",
    "evaluation",
    "public",
    "synthetic",
    "web",
    "internal",
    "proprietary",
    "custom",
    "curated",
    "licensed",
    "open",
    "new",
    "additional",
    "instruction",
    "several",
    "various",
    "many",
    "such",
}
NAME_LIKE_RE = re.compile(r"^(?:[A-Za-z0-9]*[a-z][A-Z][\w-]*|[A-Z][\w]*[-\d][\w.-]*|[A-Z]{3,}[\w-]*)$")
# "audio from Freesound and the Free Music Archive": sources of the data, named
FROM_SOURCES_RE = re.compile(
    r"\b(?:data|audio|music|sounds?|images?|photos|videos?|texts?|recordings|speech|pairs|documents"
    r"|conversations|dialogues)\s+from\s+((?:the\s+)?[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3}"
    r"(?:\s*(?:,|and)\s*(?:the\s+)?[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3})*)"
)
NOT_A_SOURCE = {
    "the",
    "internet",
    "web",
    "the web",
    "the internet",
    "github",
    "hugging face",
    "huggingface",
    "english",
    "common",
    "public",
}
NOT_CORPUS_NAMES = {
    "hugging face",
    "huggingface",
    "hub",
    "the hub",
    "github",
    "this",
    "our",
    "the",
    "training",
}


def _clean_corpus_name(name: str) -> str:
    name = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.IGNORECASE).strip(" ,;:.*`_")
    return name


def _corpus_name_ok(name: str) -> bool:
    lowered = name.lower()
    return (
        2 <= len(name) <= 80
        and lowered not in NOT_CORPUS_NAMES
        and not re.search(r"-(?:style|like|based|type)\b", lowered)  # a description, not a name
        and not lowered.startswith(("this ", "our ", "their ", "its "))
    )


def _named_in_text(heading: str, line: str) -> list[str]:
    """Corpora a training-data line names beyond the fixed list (methodology v2: a named corpus
    hosted outside the Hub counts as named): proper names followed by a corpus word, name-like
    items after 'such as', and the named sources in 'audio from X and Y'. A Hub or GitHub link is
    recorded by its link, so its label is not read as a name; a capital opening the sentence,
    a language or a generic word ("English corpus", "Fine-tuning datasets") names nothing."""
    found: list[str] = []
    plain = " " + line
    for label, url in re.findall(r"(\[[^\]]{0,120}\]\(\s*<?(" + URL_RE.pattern + r")>?\s*\))", line):
        host = (urlsplit(clean_url(url)).hostname or "").lower().removeprefix("www.")
        if any(host == h or host.endswith("." + h) for h in NOT_CORPUS_HOSTS):
            plain = plain.replace(label, " ")  # a Hub or GitHub link is recorded by its link
    plain = re.sub(r"\]\(\s*<?" + URL_RE.pattern + r">?\s*\)", "]", plain)
    plain = URL_RE.sub(" ", plain).replace("[", "").replace("]", "")
    for match in PROPER_CORPUS_RE.finditer(plain):
        words, modifier, kind = match.groups()
        name = f"{words} {modifier}{kind}" if (modifier or kind[0].islower()) else f"{words} {kind}"
        if words.split()[0].lower() in GENERIC_FIRST_WORDS or words.lower() in NOT_CORPUS_NAMES:
            continue
        if not plain[: match.start(1)].strip() and not NAME_LIKE_RE.match(words.split()[0]):
            continue  # a capital opening the sentence ("No dataset is released") names nothing
        name = _clean_corpus_name(name)
        if _corpus_name_ok(name):
            found.append(name)
    for match in SUCH_AS_RE.finditer(plain):
        for item in re.split(r"\s*(?:,|\band\b|\bor\b|/)\s*", match.group(1)):
            item = _clean_corpus_name(item)
            if NAME_LIKE_RE.match(item) and "/" not in item and _corpus_name_ok(item):
                found.append(item)
    for match in FROM_SOURCES_RE.finditer(plain):
        for item in re.split(r"\s*(?:,|\band\b)\s*", match.group(1)):
            item = _clean_corpus_name(item)
            if item and item.lower() not in NOT_A_SOURCE and _corpus_name_ok(item):
                found.append(item)
    return found


def _evaluation_line(heading: str, line: str) -> bool:
    """Does this line speak of evaluation? Inside a training-data section, 'benchmarks' are where
    training tasks came from ("tasks assembled from benchmarks such as FLAN"): only a line that
    says evaluated / tested / scored is about evaluation there."""
    if TRAINING_DATA_HEADING_RE.match(heading):
        return bool(re.search(r"\bevaluat\w*|\btested on\b|\bscores? on\b", line, re.IGNORECASE))
    return bool(EVALUATION_SENTENCE_RE.search(line))


def _named_corpora(sections: list[tuple[str, str]]) -> list[str]:
    names: list[str] = []
    for heading, line in sections:
        if not is_training_context(heading, line) or _evaluation_line(heading, line):
            continue
        plain = URL_RE.sub(" ", line)  # a linked dataset is recorded by its link
        for pattern, name in _NAMED_CORPORA_RE:
            if name not in names and pattern.search(plain):
                names.append(name)
        for name in _named_in_text(heading, line):
            # "RefinedWeb-English" after "RefinedWeb": one corpus, already named
            if any(pattern.fullmatch(name) for pattern, _ in _NAMED_CORPORA_RE):
                continue
            # "Meta Music Initiative Sound" beside "... Sound Collection", "Pile" beside "The Pile",
            # "Colossal Clean Crawled Corpus (C4)" beside "C4": one corpus
            squashed = re.sub(r"[^a-z0-9]", "", name.lower())
            if any(
                k.startswith(squashed) or squashed.startswith(k) or (len(k) >= 2 and k in squashed)
                for k in (re.sub(r"[^a-z0-9]", "", n.lower()).removeprefix("the") for n in names)
                if k
            ):
                continue
            names.append(name)
    return names[:20]


# "Only the RefinedWeb extract is public", "(not released)", "an internal dataset": the card says
# part of its training data is not public
WITHHELD_RE = re.compile(
    r"\bnot\s+(?:been\s+)?(?:publicly\s+)?(?:released|public|disclosed|shared|made public|open-?sourced)\b"
    r"|\bnot\s+(?:publicly\s+)?available\b"
    r"|\bno\s+(?:training\s+)?(?:data(?:sets?)?|corpus|corpora)\s+"
    r"(?:is|are|was|were|has been|have been)\s+released\b"
    r"|\bonly\s+(?:the\s+|a\s+|an\s+)?[^.;]{1,60}?\s+(?:is|are|was|were|has been|have been)\s+(?:made\s+)?"
    r"(?:public|publicly\s+(?:released|available)|released|open)\b"
    r"|\b(?:internal|proprietary|in-house|private)\s+(?:[\w-]+\s+){0,2}"
    r"(?:data|datasets?|corpus|corpora|collections?|music|audio|images)\b",
    re.IGNORECASE,
)
DATA_WORD_RE = re.compile(r"\b(?:data|datasets?|corpus|corpora|collections?|extract|tokens)\b", re.IGNORECASE)


def _data_withheld(sections: list[tuple[str, str]]) -> list[str]:
    """Sentences of the training-data text saying part of the data is not public."""
    found: list[str] = []
    for heading, line in sections:
        if not is_training_context(heading, line) or _evaluation_line(heading, line):
            continue
        if not (TRAINING_DATA_HEADING_RE.match(heading) or DATA_WORD_RE.search(line)):
            continue  # "the code is not released" in a training-procedure section is not data
        if WITHHELD_RE.search(line):
            clean = line.strip()[:300]
            if clean not in found:
                found.append(clean)
    return found[:3]


def _model_link_ids(text: str) -> set[str]:
    """Lower-cased Hub ids the card links as models (huggingface.co/<org>/<name>, not /datasets/)."""
    ids: set[str] = set()
    for raw in URL_RE.finditer(text):
        parts = urlsplit(clean_url(raw.group(0)))
        if (parts.hostname or "").lower().removeprefix("www.") in ("huggingface.co", "hf.co"):
            hub = _hub_path(parts)
            if hub and hub[0] == "models":
                ids.add(hub[1].lower())
    return ids


# "trained on mistralai/Mistral-Nemo-Instruct-2407": what follows "trained on" is usually data,
# but a Hub id the card links as a model (or a model URL) there is the base
TRAINED_ON_RE = re.compile(
    r"\b(?:(?:pre-?|post-?|fine-?|further |continued? )?train(?:ed)?|fine-?tuned|finetuned|tuned)"
    r"\s+on\s+(?:top\s+of\s+)?(?:the\s+)?",
    re.IGNORECASE,
)
# "OPT checkpoints fine-tuned on ...", "BLOOM and mT5 checkpoints finetuned on ...", "a Pythia 12B
# model (EleutherAI, see [link]) tuned on ...": the base named before the verb, as a model
MODEL_NAME = r"(?:[A-Z]|[a-z](?=[A-Z0-9]))[\w.-]*(?:\s+\d[\w.]*)?"
PRE_BASE_RE = re.compile(
    rf"(?:\b(?P<subjects>{MODEL_NAME}(?:\s*(?:,|and)\s*{MODEL_NAME})*)\s+(?:models?\s+)?(?:are|is)\s+)?"
    rf"\b(?P<names>{MODEL_NAME}(?:\s*(?:,|and)\s*{MODEL_NAME})*)\s+"
    r"(?:pre-?trained\s+)?(?:checkpoints?|models?)\s*(?P<aside>\((?:[^()]|\([^()]*\))*\))?\s*"
    r"(?:\w+ly\s+)?(?:fine-?tuned|finetuned|tuned|instruction-?tuned|trained)\s+(?:on|with|for)\b"
)
NOT_A_MODEL_NAME = re.compile(
    r"^(?:The|This|These|Those|Our|Its|Their|All|Both|Base|Other|Some|Several|Such|Each|Many|Most|"
    r"Language|Transformer|Pretrained|Pre-trained|Open|Released|Smaller|Larger|Instruct|Chat)$"
)


def _split_names(group: str) -> list[str]:
    return [n.strip() for n in re.split(r"\s*(?:,|\band\b)\s*", group) if n.strip()]


def _stated_bases(sections: list[tuple[str, str]], model_links: set[str] | None = None) -> list[str]:
    """Hub ids a line of prose names as this model's base ("Finetuned from model: org/name")."""
    bases: list[str] = []
    model_links = model_links or set()
    for heading, line in sections:
        if EVALUATION_HEADING_RE.search(heading) and not re.search(
            r"model details|description", heading, re.I
        ):
            continue  # comparisons and benchmark tables are not lineage
        match = LINEAGE_LINE_RE.search(line)
        if not match:
            found = _base_after_trained_on(line, model_links)
            if found and found.lower() not in {b.lower() for b in bases}:
                bases.append(found)
            continue
        tail = line[match.start() :]
        found = _base_after_trained_on(line, model_links)
        url = None if found else URL_RE.search(tail)
        if url:
            hub = _hub_path(urlsplit(clean_url(url.group(0))))
            if (
                hub
                and hub[0] == "models"
                and (urlsplit(clean_url(url.group(0))).hostname or "").endswith(("huggingface.co", "hf.co"))
            ):
                found = hub[1]
        if not found:
            for bare in BARE_HUB_ID_RE.finditer(re.sub(URL_RE, " ", tail)):
                candidate = bare.group(1).rstrip(TRAILING)
                # "English/Chinese", "text/code": a slash in prose is no Hub id; model names carry
                # a digit or a separator ("mistralai/Mistral-7B-v0.1", "org/MiniLM-L6-H384")
                org, name = candidate.split("/", 1)
                if (
                    not candidate.lower().startswith(("http", "www."))
                    and re.search(r"[0-9_.-]", name)
                    and len(name) >= 4
                    and len(org) >= 2
                ):
                    found = candidate
                    break
        if found and found.lower() not in {b.lower() for b in bases}:
            bases.append(found)
    return bases[:5]


def _base_after_trained_on(line: str, model_links: set[str]) -> str:
    """'trained on org/name' where org/name is a model (linked as one, or a model URL): the base."""
    for match in TRAINED_ON_RE.finditer(line):
        tail = line[match.end() :].lstrip("`*")
        # the model itself follows the verb: a URL, a Markdown link opening there, or a bare id
        link = re.match(r"\[[^\]\n]{1,80}\]\(\s*<?(" + URL_RE.pattern + ")", tail)
        url = URL_RE.match(tail)
        url_text = link.group(1) if link else (url.group(0) if url else "")
        tail = tail.lstrip("[")
        if url_text:
            parts = urlsplit(clean_url(url_text))
            hub = _hub_path(parts)
            if (parts.hostname or "").lower().removeprefix("www.") in ("huggingface.co", "hf.co") and (
                hub and hub[0] == "models"
            ):
                return hub[1]
            continue
        bare = BARE_HUB_ID_RE.match(tail)
        if bare and bare.group(1).rstrip(TRAILING).lower() in model_links:
            return bare.group(1).rstrip(TRAILING)
    return ""


def _without_urls(text: str) -> str:
    """The text with its URLs blanked, keeping what closes around them ("[x](url))" -> "[x]( ))")."""

    def blank(match: re.Match) -> str:
        raw = match.group(0)
        kept = clean_url(raw)
        if raw.lower().startswith("www."):
            kept = kept.removeprefix("https://")
        return " " + raw[len(kept) :]

    return URL_RE.sub(blank, text)


def _base_name_candidates(sections: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Models named before 'checkpoints / model fine-tuned on' ("BLOOMZ and mT0 are BLOOM and mT5
    checkpoints finetuned on xP3" -> (BLOOM, BLOOMZ), (mT5, mT0)): each name with the subject it
    is paired with when the sentence lists as many subjects as names, else ''."""
    found: list[tuple[str, str]] = []
    for heading, line in sections:
        if EVALUATION_HEADING_RE.search(heading) and not re.search(
            r"model details|description|summary", heading, re.I
        ):
            continue
        for match in PRE_BASE_RE.finditer(_without_urls(line)):
            names = [n for n in _split_names(match.group("names")) if not NOT_A_MODEL_NAME.match(n)]
            subjects = _split_names(match.group("subjects") or "")
            if len(subjects) != len(names):
                subjects = [""] * len(names)
            for name, subject in zip(names, subjects, strict=True):
                if name.lower() not in {n.lower() for n, _ in found}:
                    found.append((name, subject))
        if found:
            break  # the first sentence that states it
    return found[:4]


# "fine-tuned from Llama 2", "trained based on DeepSeek-V3-Base": a model named, not linked.
# A name must start with a letter and carry a digit (model names do; prose rarely does).
BASE_NAME_RE = re.compile(
    r"(?:the\s+)?(?:pre-?trained\s+)?(?:model\s+)?[`*\[]*([A-Z][\w.]*(?:[- ][A-Za-z0-9][\w.]*){0,4})"
)
NOT_A_NAME = re.compile(r"^(?:The|This|Our|A|An|Its|Their|It|We|Data|Training|Model)\b")


def _stated_base_names(sections: list[tuple[str, str]]) -> list[tuple[str, str, int, str]]:
    """Base models a card names in prose without a Hub id (resolved, or shown unresolved), each
    with the heading, the position (index among the card's sentences) of the sentence and the
    words that state it ("fine-tuned from")."""
    names: list[tuple[str, str, int, str]] = []
    for index, (heading, line) in enumerate(sections):
        if EVALUATION_HEADING_RE.search(heading) and not re.search(
            r"model details|description", heading, re.I
        ):
            continue
        match = LINEAGE_LINE_RE.search(line)
        if not match:
            continue
        name = _base_name_at(line[match.end() :])
        if name and re.search(r"\d", name) and name not in {n for n, *_ in names}:
            names.append((name, heading, index, match.group(0).strip().lower()))
    return names[:2]


def _base_name_at(tail: str) -> str:
    """The model name opening ``tail`` (the words after "fine-tuned from"), or ''."""
    tail = URL_RE.sub(" ", tail).lstrip(" :*`")
    tail = re.sub(r"^(?:the\s+)?(?:pre-?trained\s+)?model\W*", "", tail, flags=re.IGNORECASE)
    tail = re.sub(r"^(?:Meta|Google|Microsoft|Mistral AI|EleutherAI's|Meta's)\s+(?=[A-Z])", "", tail)
    name_match = BASE_NAME_RE.match(tail)
    if not name_match:
        return ""
    name = re.sub(r"\s+(?:model|weights|checkpoint|base|and|with|on|using)\b.*$", "", name_match.group(1))
    name = name.rstrip(".,;:)")
    return "" if NOT_A_NAME.match(name) else name


# a model's size closing its name: "Llama2 70B", "Pythia 12B", "Llama-2 13b", "Mistral-7B"
SIZED_NAME_RE = re.compile(r"(?:^|[\s_-])\d+(?:\.\d+)?[BbMm]$")


def _sized_names_after_on(sections: list[tuple[str, str]]) -> list[tuple[str, str, int, str]]:
    """Model names with a size after "fine-tuned on / trained on" ("fine-tuned on Llama2 70B"): what
    follows "on" is usually data, so these are lineage only when the catalogue knows the name as
    a model (catalog.ingest.lineage_text); a linked Hub id there is read by _stated_bases."""
    names: list[tuple[str, str, int, str]] = []
    for index, (heading, line) in enumerate(sections):
        if EVALUATION_HEADING_RE.search(heading) and not re.search(
            r"model details|description", heading, re.I
        ):
            continue
        for match in TRAINED_ON_RE.finditer(line):
            tail = line[match.end() :].lstrip("`*")
            if URL_RE.match(tail) or tail.startswith("["):
                continue  # a link: a dataset, or a model _stated_bases reads
            name = _base_name_at(tail)
            if name and SIZED_NAME_RE.search(name) and name not in {n for n, *_ in names}:
                names.append((name, heading, index, match.group(0).strip().lower()))
    return names[:2]


def strip_front_matter(text: str) -> str:
    """The README body without its YAML front matter (which may be malformed)."""
    stripped = text.lstrip("\ufeff \t\r\n")  # a BOM or blank lines before the front matter
    if stripped.startswith("---"):
        text = stripped
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            newline = text.find("\n", end + 4)
            return text[newline + 1 :] if newline != -1 else ""
    return text
