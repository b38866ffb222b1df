"""Link extraction from model cards (catalog/links.py): pure functions over untrusted text."""

from __future__ import annotations

import pytest

from catalog.sources.links import (
    clean_url,
    extract_links,
    normalize_arxiv_id,
    normalize_github_repo,
    strip_front_matter,
)


# --- GitHub ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/allenai/OLMo",
        "https://github.com/AllenAI/olmo",
        "http://github.com/allenai/OLMo/",
        "https://www.github.com/allenai/OLMo",
        "https://github.com/allenai/OLMo.git",
        "https://github.com/allenai/OLMo.git/",
        "https://github.com/allenai/OLMo/tree/main/scripts",
        "https://github.com/allenai/OLMo/blob/main/README.md#training",
        "https://github.com/allenai/OLMo?tab=readme-ov-file",
        "https://github.com/allenai/OLMo/issues/12",
        "https://github.com/allenai/OLMo.",
        "https://github.com/allenai/OLMo),",
        "git@github.com:allenai/OLMo.git",
        "git@github.com:allenai/OLMo",
        "git@github.com:allenai/OLMo.git.",
    ],
)
def test_github_urls_normalise_to_owner_and_name(url):
    assert normalize_github_repo(url) == "allenai/olmo"


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/orgs/allenai",
        "https://github.com/orgs/allenai/repositories",
        "https://github.com/features/copilot",
        "https://github.com/features",
        "https://github.com/topics/llm",
        "https://github.com/sponsors/someone",
        "https://github.com/marketplace/actions/x",
        "https://github.com/allenai",
        "https://github.com/",
        "https://gist.github.com/someone/abc123",
        "https://raw.githubusercontent.com/allenai/OLMo/main/README.md",
        "https://gitlab.com/allenai/OLMo",
        "https://github.com/-bad-/repo",
        "https://github.com/owner/..",
        "https://github.com.evil.example/allenai/OLMo",
    ],
)
def test_non_repository_github_urls(url):
    assert normalize_github_repo(url) is None


def test_markdown_link_syntax_and_punctuation_around_links():
    text = """
    See [the code](https://github.com/AllenAI/OLMo) and (https://github.com/allenai/dolma).
    Clone <https://github.com/allenai/open-instruct.git>,
    or `git@github.com:EleutherAI/lm-evaluation-harness.git`.
    **https://github.com/huggingface/trl**; also "https://github.com/allenai/OLMo/blob/main/x.py".
    """
    found = extract_links(text)
    assert found.github_repos == [
        "allenai/olmo",
        "allenai/dolma",
        "allenai/open-instruct",
        "huggingface/trl",
        "eleutherai/lm-evaluation-harness",
    ]
    assert found.other_urls == []
    assert found.dropped == 0


def test_github_site_pages_are_not_kept_at_all():
    found = extract_links(
        "https://github.com/features/copilot https://github.com/orgs/allenai https://github.com/allenai"
    )
    assert found.total() == 0


def test_clean_url():
    wiki = "https://en.wikipedia.org/wiki/Python_(programming_language)"
    assert clean_url(wiki) == wiki  # a parenthesis opened inside the URL closes inside it
    assert clean_url(wiki + ")") == wiki
    assert clean_url(wiki + ").") == wiki
    assert extract_links(f"[Python]({wiki}), see ({wiki}).").other_urls == [wiki]
    assert clean_url("www.example.org/page.") == "https://www.example.org/page"
    assert clean_url("  https://example.org/a?b=1;  ") == "https://example.org/a?b=1"


# --- arXiv -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "https://arxiv.org/abs/2402.00838",
        "https://arxiv.org/abs/2402.00838v3",
        "https://arxiv.org/pdf/2402.00838",
        "https://arxiv.org/pdf/2402.00838v1.pdf",
        "https://arxiv.org/pdf/2402.00838.pdf",
        "https://www.arxiv.org/abs/2402.00838.",
        "https://export.arxiv.org/abs/2402.00838",
        "https://arxiv.org/html/2402.00838v2",
        "[OLMo](https://arxiv.org/abs/2402.00838)",
        "arXiv:2402.00838",
        "See arXiv:2402.00838v2 for details",
        "ARXIV 2402.00838",
    ],
)
def test_arxiv_ids(text):
    found = extract_links(text)
    assert found.arxiv_ids == ["2402.00838"]
    assert found.other_urls == []


def test_old_style_and_five_digit_arxiv_ids():
    assert extract_links("https://arxiv.org/abs/hep-th/9901001v2").arxiv_ids == ["hep-th/9901001"]
    assert extract_links("https://arxiv.org/abs/2411.15124").arxiv_ids == ["2411.15124"]
    assert normalize_arxiv_id("1706.03762v7") == "1706.03762"
    assert normalize_arxiv_id("math.GT/0309136") == "math.GT/0309136"
    assert normalize_arxiv_id("not-an-id") is None
    assert normalize_arxiv_id("2402.008") is None


def test_arxiv_pages_that_are_not_papers_stay_text():
    found = extract_links("https://arxiv.org/list/cs.CL/recent")
    assert found.arxiv_ids == []
    assert found.other_urls == ["https://arxiv.org/list/cs.CL/recent"]


def test_the_same_paper_twice_is_kept_once():
    found = extract_links(
        "https://arxiv.org/abs/2402.00838 and arXiv:2402.00838 and https://arxiv.org/pdf/2402.00838v2"
    )
    assert found.arxiv_ids == ["2402.00838"]


# --- datasets and models ----------------------------------------------------------------------
def test_hub_dataset_and_model_links():
    found = extract_links("""
    ## Training data
    [Dolma](https://huggingface.co/datasets/allenai/dolma)
    https://huggingface.co/datasets/allenai/tulu-3-sft-mixture/viewer/default/train
    https://hf.co/datasets/HuggingFaceFW/fineweb-edu
    https://huggingface.co/meta-llama/Llama-3.1-8B
    https://huggingface.co/spaces/allenai/demo
    https://huggingface.co/datasets
    https://huggingface.co/docs/transformers
    """)
    assert found.hub_datasets == ["allenai/dolma", "allenai/tulu-3-sft-mixture", "HuggingFaceFW/fineweb-edu"]
    assert found.hub_models == ["meta-llama/Llama-3.1-8B"]
    assert found.other_urls == [
        "https://huggingface.co/spaces/allenai/demo",
        "https://huggingface.co/datasets",
        "https://huggingface.co/docs/transformers",
    ]


def test_other_dataset_hosts_are_kept_as_dataset_urls():
    found = extract_links("""
    ## Training data
    https://www.kaggle.com/datasets/someone/some-data
    https://zenodo.org/records/123456
    https://commoncrawl.org/get-started
    https://paperswithcode.com/dataset/squad
    https://www.kaggle.com/competitions/titanic
    """)
    assert found.dataset_urls == [
        "https://www.kaggle.com/datasets/someone/some-data",
        "https://zenodo.org/records/123456",
        "https://commoncrawl.org/get-started",
        "https://paperswithcode.com/dataset/squad",
    ]
    assert found.other_urls == ["https://www.kaggle.com/competitions/titanic"]


def test_other_urls_are_kept_as_text():
    found = extract_links("Demo: https://playground.allenai.org/ and www.example.org/about.")
    assert found.other_urls == ["https://playground.allenai.org/", "https://www.example.org/about"]


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "<a href='javascript:void(0)'>x</a>",
        "![img](data:image/png;base64,iVBORw0KGgo=)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "mailto:someone@example.org",
    ],
)
def test_javascript_data_and_other_schemes_are_ignored(text):
    assert extract_links(text).total() == 0


def test_duplicates_are_kept_once_case_insensitively():
    found = extract_links(
        "https://github.com/allenai/OLMo https://github.com/ALLENAI/olmo.git "
        "https://example.org/A https://example.org/a"
    )
    assert found.github_repos == ["allenai/olmo"]
    assert found.other_urls == ["https://example.org/A"]


# --- the cap ---------------------------------------------------------------------------------
def test_links_over_the_cap_are_counted_not_kept():
    text = "\n".join(f"https://example.org/page/{i}" for i in range(120))
    text += "\narXiv:2402.00838 https://github.com/allenai/olmo"
    found = extract_links(text, max_links=50)
    assert found.total() == 50
    assert found.other_urls[-1] == "https://example.org/page/49"
    assert found.dropped == 72  # 70 pages, the paper and the repository


def test_repeated_links_at_the_cap_are_not_counted_as_dropped():
    # markdown often writes a URL twice: [https://x](https://x)
    text = " ".join(f"[https://example.org/{i}](https://example.org/{i})" for i in range(10))
    found = extract_links(text, max_links=10)
    assert found.total() == 10
    assert found.dropped == 0


def test_pages_that_would_be_skipped_are_not_counted_as_dropped():
    text = "https://example.org/1 https://example.org/2 https://github.com/features javascript:x https://github.com/orgs/a"
    found = extract_links(text, max_links=2)
    assert found.dropped == 0
    found = extract_links(text + " https://example.org/3 https://example.org/3", max_links=2)
    assert found.dropped == 1


def test_hundreds_of_links_stay_cheap():
    text = " ".join(f"https://example.org/{i}" for i in range(20_000))
    found = extract_links(text, max_links=50)
    assert found.total() == 50
    assert found.dropped == 19_950


# --- front matter ----------------------------------------------------------------------------
def test_strip_front_matter():
    assert strip_front_matter("---\nlicense: mit\n---\n# Title\nbody") == "# Title\nbody"
    assert strip_front_matter("---\nlicense: mit\n---") == ""
    assert strip_front_matter("# No front matter\n---\n") == "# No front matter\n---\n"
    assert strip_front_matter("---\nnever closed\n# Title") == "---\nnever closed\n# Title"
    text = "---\nlicense_link: https://github.com/front/matter\n---\nhttps://github.com/in/body"
    assert extract_links(strip_front_matter(text)).github_repos == ["in/body"]


def test_a_dataset_page_outside_a_training_context_is_not_training_data():
    found = extract_links(
        "## Evaluation\nWe report [BBH](https://paperswithcode.com/dataset/bbh).\n\n"
        "## Training data\nSee the [principles](https://storage.googleapis.com/x/principles.pdf)."
    )
    assert found.dataset_urls == []
    assert set(found.other_urls) == {
        "https://paperswithcode.com/dataset/bbh",
        "https://storage.googleapis.com/x/principles.pdf",
    }


# --- card-reading rules version 4: branches, recipe links, printed configs ------------------------
def _snapshot_card(model_id: str) -> str:
    from standin.hub import SNAPSHOT_DIR

    return (SNAPSHOT_DIR / "models" / f"{model_id}.README.md").read_text(encoding="utf-8")


def test_a_link_to_a_branch_root_is_recorded_with_its_ref():
    """facebook/nllb-200-distilled-600M links github.com/facebookresearch/fairseq/tree/nllb."""
    found = extract_links(_snapshot_card("facebook/nllb-200-distilled-600M"))
    assert found.github_subfolders == {"facebookresearch/fairseq": ["nllb"]}


def test_a_folder_linked_under_a_reproduce_heading_is_a_recipe_link():
    """Intel/neural-chat-7b-v3-3 links the finetune_neuralchat_v3 example (a blob/ URL of a folder)
    under 'Reproduce the model'; the links under 'Caveats and Recommendations' are not recipes."""
    found = extract_links(_snapshot_card("Intel/neural-chat-7b-v3-3"))
    assert found.github_recipe_links == {
        "intel/intel-extension-for-transformers": [
            "main/intel_extension_for_transformers/neural_chat/examples/finetuning/finetune_neuralchat_v3"
        ]
    }
    usage = extract_links("## Usage\n- [example](https://github.com/org/tool/tree/main/examples/x)\n")
    assert usage.github_recipe_links == {}


def test_a_training_config_printed_in_the_card():
    found = extract_links(_snapshot_card("BramVanroy/GEITje-7B-ultra"))
    assert found.card_recipe == {"base": "BramVanroy/GEITje-7B-ultra-sft", "keys": ["dataset_mixer"]}
    json_block = '```json\n{\n  "model_name_or_path": "org/base",\n  "learning_rate": 2e-5\n}\n```'
    assert extract_links(json_block).card_recipe == {"base": "org/base", "keys": ["learning_rate"]}
    # a usage snippet is no recipe
    assert extract_links("```python\nmodel = load('org/base')\n```").card_recipe is None
