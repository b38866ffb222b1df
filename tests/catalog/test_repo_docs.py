"""A linked repository's README and data documentation (issue 11, methodology v2 training data).

The real GitHub client (httpx2) against the stand-in's GitHub routes over loopback; the model
side through the real huggingface_hub client, as in the other crawler tests.
"""

from __future__ import annotations

import pytest

from catalog import choices
from catalog.ingest import crawl
from catalog.ingest.pipeline import InlineDispatch
from catalog.ingest.repositories import repository_crawl
from catalog.models import AIModel, CodeRepository, Dataset, Evidence, ModelCodeRepository, ModelDataset
from catalog.sources.github.client import GitHubClient, GitHubNotFound
from catalog.sources.github.docs import entry_points, extract_doc, select_docs
from scoring.models import Score
from scoring.services import methodology_current, rescore_models
from tests.catalog.test_github_client import github_requests, repo_record

pytestmark = pytest.mark.django_db

SHA = "0123456789abcdef0123456789abcdef01234567"
TREE = ["LICENSE", "README.md", "MODEL_CARD.md", "main.py", "run.sh", "model/modeling.py"]


def docs_repo(full_name: str, docs: dict[str, str | bytes], tree: list[str] | None = None, **repo) -> dict:
    return {**repo_record(full_name, tree=tree if tree is not None else TREE, **repo), "docs": docs}


def linked(full_name: str) -> CodeRepository:
    return CodeRepository.objects.create(
        full_name=full_name.lower(), html_url=f"https://github.com/{full_name}"
    )


def docs_of(repo: CodeRepository) -> dict:
    repo.refresh_from_db()
    return {f["path"]: f for f in repo.docs["files"]}


# --- the client -------------------------------------------------------------------------------
def test_readme_is_read_raw_and_conditionally(settings, tiny_hub):
    settings.GITHUB_TOKEN = "ghp_standin"
    tiny_hub.hub.add_repo(
        docs_repo(
            "org/repo", {"README.md": "# Repo\n\nTrained on [x](https://huggingface.co/datasets/org/x).\n"}
        )
    )
    client = GitHubClient()
    first = client.readme("org/repo", max_bytes=10_000)
    assert first.value.text.startswith("# Repo")
    assert first.value.problem == ""
    assert first.etag.startswith('W/"')
    second = client.readme("org/repo", etag=first.etag, max_bytes=10_000)
    assert second.not_modified  # 304: nothing changed, nothing re-read
    assert tiny_hub.stats["github_304"] == 1


def test_a_repository_without_readme_is_not_found(tiny_hub):
    tiny_hub.hub.add_repo(docs_repo("org/bare", {}))
    with pytest.raises(GitHubNotFound):
        GitHubClient().readme("org/bare", max_bytes=10_000)


def test_an_oversized_document_is_recorded_not_read(tiny_hub):
    tiny_hub.hub.add_repo(docs_repo("org/big", {"README.md": "# Big\n" + "x" * (1024 * 1024)}))
    doc = GitHubClient().readme("org/big", max_bytes=64 * 1024).value
    assert doc.problem == "oversized"
    assert doc.text == ""
    assert doc.size == 64 * 1024 + 1  # read no further than one byte past the cap


def test_a_binary_document_is_recorded_not_read(tiny_hub):
    tiny_hub.hub.add_repo(docs_repo("org/bin", {"DATA.md": b"PK\x03\x04\x00\x00binary"}, tree=["DATA.md"]))
    doc = GitHubClient().document("org/bin", "DATA.md", max_bytes=10_000).value
    assert doc.problem == "binary"
    assert doc.text == ""


def test_documents_come_only_from_the_configured_host(tiny_hub):
    from catalog.sources.github.client import GitHubRefused

    with pytest.raises(GitHubRefused):  # an address other than the configured one is never asked
        GitHubClient(base_url="http://example.invalid").readme("org/repo", max_bytes=1000)


# --- what the documents say ---------------------------------------------------------------------
def test_data_documents_are_chosen_by_name_and_capped():
    tree = [
        "README.md",
        "MODEL_CARD.md",
        "data/sources.md",
        "DATASETS.md",
        "docs/data.md",
        "src/data.md",
        "x.md",
    ]
    assert select_docs(tree, limit=10) == ["MODEL_CARD.md", "DATASETS.md", "data/sources.md", "docs/data.md"]
    assert select_docs(tree, limit=2) == ["MODEL_CARD.md", "DATASETS.md"]


def test_a_data_document_without_headings_is_about_data_throughout():
    text = (
        "| corpus | link |\n|---|---|\n"
        "| Legal | [l](https://huggingface.co/datasets/org/legal) |\n| OSCAR | - |\n"
    )
    found = extract_doc(text, path="data/data_sources.md", tree=[], is_readme=False)
    assert found.hub_datasets == ["org/legal"]
    assert "OSCAR" in found.dataset_names


def test_in_a_readme_only_training_sections_name_training_data():
    text = (
        "# Repo\n\n## Training data\n\nWe pretrain on [web](https://huggingface.co/datasets/org/web).\n\n"
        "## Evaluation\n\nScores on [bench](https://huggingface.co/datasets/org/bench).\n"
    )
    found = extract_doc(text, path="README.md", tree=[], is_readme=True)
    assert found.hub_datasets == ["org/web"]


def test_training_commands_count_only_when_the_script_is_in_the_tree():
    text = (
        "## Pretraining\n\n```bash\ncd src/pkg\ntorchrun --nproc-per-node=8 train.py --config=a.yaml\n```\n\n"
        "Then `bash run.sh` and `python missing.py`.\n\n"
        "## Evaluation\n\n```bash\npython eval_main.py\n```\n\n"
        "## Fine-tuning\n\n```\nsbatch train/sft.slurm\n```\n"
    )
    tree = ["src/pkg/train.py", "run.sh", "eval_main.py", "train/sft.slurm"]
    points = {p["path"]: p["kind"] for p in entry_points(text, tree)}
    assert points == {
        "src/pkg/train.py": "pretraining",
        "run.sh": "pretraining",
        "train/sft.slurm": "finetuning",
    }


def test_a_readme_linking_200_repositories_keeps_the_cap_and_follows_none(settings, tiny_hub):
    settings.REPO_DOCS_MAX_LINKS = 50
    links = "\n".join(f"- https://github.com/org/dep-{i}" for i in range(200))
    readme = (
        f"# Big list\n\n## Training data\n\n{links}\n\nTrained on https://huggingface.co/datasets/org/web\n"
    )
    tiny_hub.hub.add_repo(docs_repo("org/awesome", {"README.md": readme}, tree=["README.md"]))
    repo = linked("org/awesome")
    assert repository_crawl(repository=repo) == "crawled"
    readme_doc = docs_of(repo)["README.md"]
    assert readme_doc["status"] == "read"
    assert readme_doc["findings"]["dropped"] > 0  # counted, not kept
    assert CodeRepository.objects.count() == 1  # links in docs are never followed
    assert all("/repos/org/dep-" not in line for line in github_requests(tiny_hub))


# --- the crawl ---------------------------------------------------------------------------------
def test_readme_404_oversized_and_binary_documents_are_recorded_never_fatal(settings, tiny_hub):
    settings.REPO_DOCS_MAX_BYTES = 64 * 1024
    tree = ["MODEL_CARD.md", "DATA.md", "data/notes.md", "train.py"]
    docs = {"MODEL_CARD.md": "# Card\n" + "y" * (1024 * 1024), "DATA.md": b"\x00\x01\x02 binary"}
    tiny_hub.hub.add_repo(docs_repo("org/odd", docs, tree=tree))
    repo = linked("org/odd")
    assert repository_crawl(repository=repo) == "crawled"
    statuses = {path: f["status"] for path, f in docs_of(repo).items()}
    assert statuses == {
        "README.md": "missing",  # no README: GitHub's 404
        "MODEL_CARD.md": "oversized",
        "DATA.md": "binary",
        "data/notes.md": "missing",  # in the tree, absent from the contents API
    }
    assert repo.status == choices.RepoStatus.AVAILABLE
    assert repo.classification == choices.CodeClassification.TRAINING
    row = Evidence.objects.get(subject_id=repo.pk, fact=choices.Fact.REPO_DOCS)
    assert {d["path"]: d["status"] for d in row.value["documents"]} == statuses


def test_an_unchanged_tree_sends_no_document_request_and_a_new_tree_asks_conditionally(tiny_hub):
    tiny_hub.hub.add_repo(docs_repo("org/repo", {"README.md": "# R\n", "MODEL_CARD.md": "# C\n"}))
    repo = linked("org/repo")
    repository_crawl(repository=repo)
    repo.refresh_from_db()
    assert {k for k in repo.etags if k.startswith("doc:")} == {"doc:README.md", "doc:MODEL_CARD.md"}
    before = len(github_requests(tiny_hub))
    assert repository_crawl(repository=repo) == "unchanged"  # repository 304: nothing more sent
    assert len(github_requests(tiny_hub)) == before + 1
    tiny_hub.hub.add_repo(
        docs_repo(
            "org/repo",
            {"README.md": "# R\n", "MODEL_CARD.md": "# C\n"},
            stargazers_count=3,
            tree=[*TREE, "extra.py"],
        )
    )
    repo.refresh_from_db()
    assert repository_crawl(repository=repo) == "crawled"
    assert tiny_hub.stats["github_304"] >= 2  # both documents answered 304 to their ETags


def test_a_repository_crawled_before_docs_were_read_reads_them_on_its_next_304(tiny_hub):
    tiny_hub.hub.add_repo(docs_repo("org/old", {"README.md": "## Training\n\n```\npython main.py\n```\n"}))
    repo = linked("org/old")
    repository_crawl(repository=repo)
    CodeRepository.objects.filter(pk=repo.pk).update(docs=None, classification="inference")
    repo.refresh_from_db()
    assert repository_crawl(repository=repo) == "crawled"  # GitHub said 304; the docs were read
    repo.refresh_from_db()
    assert repo.docs["files"][0]["status"] == "read"
    assert repo.evidence_paths["readme_entry_points"] == ["main.py"]


def test_readme_commands_make_a_root_script_a_training_entry_point(tiny_hub):
    readme = "# Amber-like\n\n## Pretraining\n\nRun `bash run.sh`, which launches `python main.py`.\n"
    tiny_hub.hub.add_repo(
        docs_repo(
            "org/train", {"README.md": readme}, tree=["README.md", "main.py", "run.sh", "finetune/sft.sh"]
        )
    )
    repo = linked("org/train")
    repository_crawl(repository=repo)
    repo.refresh_from_db()
    # from the tree alone: fine-tuning only (finetune/sft.sh); the README documents the pretraining
    assert repo.classification == choices.CodeClassification.TRAINING
    assert repo.evidence_paths["readme_entry_points"] == ["main.py", "run.sh"]


# --- end to end: model card -> repository docs -> datasets -> score ----------------------------------
def _model(hub, repo_id: str, readme: str, **fields) -> AIModel:
    record = {
        "id": repo_id,
        "sha": SHA,
        "downloads": 10,
        "cardData": {"license": "apache-2.0"},
        "tags": ["safetensors", "license:apache-2.0"],
        "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
        **fields,
    }
    hub.add_model(record, readme=readme)
    return crawl.model_get_or_placeholder(repo_id)


def _crawl_and_score(model: AIModel) -> dict:
    dispatch = InlineDispatch()
    dispatch.details([model.pk])
    dispatch.run()
    rescore_models(model_ids=[model.pk], cause="crawl")
    score = Score.objects.select_related("detail").get(model=model, methodology=methodology_current())
    return score.detail.judgments


CARD = "# Vision model\n\n## Model Details\n\n- **Repository:** https://github.com/org/vision\n"


def test_a_corpus_named_in_the_repositorys_model_card_is_named_training_data(tiny_hub):
    model_card = (
        "# Card\n\n## Training Details\n\n### Training Data\n\n- **Training data:** LVD-142M (see paper)\n"
    )
    tiny_hub.hub.add_repo(docs_repo("org/vision", {"README.md": "# Vision\n", "MODEL_CARD.md": model_card}))
    model = _model(tiny_hub.hub, "org/vision-base", CARD)
    data = _crawl_and_score(model)["training_data"]
    assert data["level"] == "partial"
    assert "github.com/org/vision MODEL_CARD.md" in data["rationale"]
    assert "lvd-142m" in data["rationale"].lower()
    assert any(e["fact"] == "repo_docs" for e in data["evidence"])
    links = ModelDataset.objects.filter(model=model)
    assert {(link.dataset.repo_id, link.origin) for link in links} == {("named/lvd-142m", "repo_doc")}


def test_a_doc_naming_a_hub_dataset_that_404s_makes_it_named_not_obtainable(tiny_hub):
    tiny_hub.hub.add_dataset({"id": "org/open-web", "tags": ["license:odc-by"]})
    data_doc = (
        "| source | link |\n|---|---|\n| web | https://huggingface.co/datasets/org/open-web |\n"
        "| gone | https://huggingface.co/datasets/org/deleted-corpus |\n"
    )
    tiny_hub.hub.add_repo(
        docs_repo(
            "org/vision", {"README.md": "# V\n", "data/sources.md": data_doc}, tree=[*TREE, "data/sources.md"]
        )
    )
    model = _model(tiny_hub.hub, "org/vision-base", CARD)
    data = _crawl_and_score(model)["training_data"]
    assert Dataset.objects.get(repo_id="org/deleted-corpus").status == choices.DatasetStatus.MISSING
    assert Dataset.objects.get(repo_id="org/open-web").status == choices.DatasetStatus.AVAILABLE
    assert data["level"] == "partial"
    assert "github.com/org/vision data/sources.md" in data["rationale"]
    assert "org/deleted-corpus: missing" in data["rationale"]


def test_all_doc_named_datasets_obtainable_is_open(tiny_hub):
    tiny_hub.hub.add_dataset({"id": "org/open-web", "tags": ["license:odc-by"]})
    readme = "# V\n\n## Training data\n\nPretrained on https://huggingface.co/datasets/org/open-web\n"
    tiny_hub.hub.add_repo(docs_repo("org/vision", {"README.md": readme}))
    data = _crawl_and_score(_model(tiny_hub.hub, "org/vision-base", CARD))["training_data"]
    assert data["level"] == "open"
    assert "its linked repository's documentation (github.com/org/vision README.md)" in data["rationale"]


def test_the_card_comes_first_a_repository_does_not_add_to_named_data(tiny_hub):
    tiny_hub.hub.add_dataset({"id": "org/card-data", "tags": ["license:mit"]})
    model_card = "## Training Data\n\n- Training data: LVD-142M\n"
    tiny_hub.hub.add_repo(docs_repo("org/vision", {"README.md": "# V\n", "MODEL_CARD.md": model_card}))
    model = _model(
        tiny_hub.hub,
        "org/vision-base",
        CARD,
        cardData={"license": "apache-2.0", "datasets": ["org/card-data"]},
        tags=["safetensors", "license:apache-2.0", "dataset:org/card-data"],
    )
    data = _crawl_and_score(model)["training_data"]
    assert data["level"] == "open"
    assert "LVD" not in data["rationale"]
    assert not ModelDataset.objects.filter(model=model, origin=choices.LinkOrigin.REPO_DOC).exists()


def test_a_general_framework_linked_for_usage_lends_no_data(tiny_hub):
    readme = "## Training data\n\nExamples pretrain on https://huggingface.co/datasets/org/open-web\n"
    tiny_hub.hub.add_repo(docs_repo("huggingface/transformers", {"README.md": readme}))
    card = "# M\n\n## Usage\n\nInstall https://github.com/huggingface/transformers\n"
    model = _model(tiny_hub.hub, "org/plain", card)
    data = _crawl_and_score(model)["training_data"]
    assert data["level"] == "closed"
    assert not ModelDataset.objects.filter(model=model).exists()


def test_a_data_repository_whose_docs_name_nothing_checkable_is_partial_not_unknown(tiny_hub):
    readme = "# Toolkit\n\n## Data Access\n\nThe data is served from a bucket once you log in at https://atlas.example.org.\n"
    tiny_hub.hub.add_repo(docs_repo("org/toolkit", {"README.md": readme}))
    card = (
        "# Embedder\n\n## Training Details\n\nThe training data is released; "
        "see https://github.com/org/toolkit for the training data and code.\n"
    )
    model = _model(tiny_hub.hub, "org/embedder", card)
    data = _crawl_and_score(model)["training_data"]
    assert data["level"] == "partial"
    assert "github.com/org/toolkit" in data["rationale"]


def test_a_data_repository_that_cannot_be_read_stays_unknown(tiny_hub):
    card = (
        "# Embedder\n\n## Training Details\n\n"
        "The training data is described at https://github.com/org/gone for the training data.\n"
    )
    model = _model(tiny_hub.hub, "org/embedder", card)
    data = _crawl_and_score(model)["training_data"]
    assert data["level"] == "unknown"
    assert "could not be read" in data["rationale"]
    assert ModelCodeRepository.objects.filter(model=model).exists()


# --- recipes a README points to in another repository --------------------------------------------
FAMILY_README = (
    "# Family\n\n## Train models\n\n### Alpha\n\n"
    "Launch with Megatron-DeepSpeed; the script that trained alpha is "
    "[here](https://github.com/org/recipes/blob/main/train/alpha-176b.slurm), data prep "
    "[here](https://github.com/org/recipes/blob/main/data/prep.slurm).\n\n"
    "### Beta\n\nFollow the framework's guide (https://github.com/google-research/t5x/blob/main/docs/finetune.md).\n"
)


def test_recipe_links_are_kept_with_their_heading():
    from catalog.sources.github.docs import recipe_links

    links = recipe_links(FAMILY_README)
    # the data-preparation script is not a training recipe; the T5X guide is not a script
    assert [(link["repo"], link["path"]) for link in links] == [("org/recipes", "train/alpha-176b.slurm")]
    assert links[0]["heading"] == "Train models / Alpha"


def _recipes_repo(tree: list[str]) -> None:
    CodeRepository.objects.create(
        full_name="org/recipes",
        html_url="https://github.com/org/recipes",
        status=choices.RepoStatus.AVAILABLE,
        license_spdx="Apache-2.0",
        tree_paths=tree,
    )


@pytest.mark.parametrize(
    ("model", "tree", "level"),
    [
        ("org/alpha", ["train/alpha-176b.slurm", "data/prep.slurm"], "open"),  # its section, found
        ("org/beta", ["train/alpha-176b.slurm", "data/prep.slurm"], "closed"),  # alpha's recipe, not beta's
        ("org/alpha", ["data/prep.slurm"], "closed"),  # the linked path is not in that repository
    ],
)
def test_a_recipe_the_readme_links_elsewhere_counts_for_the_model_it_names(tiny_hub, model, tree, level):
    _recipes_repo(tree)
    tiny_hub.hub.add_repo(docs_repo("org/family", {"README.md": FAMILY_README}, tree=["README.md", "app.py"]))
    card = "# M\n\n## Model Details\n\n- **Repository:** https://github.com/org/family\n"
    code = _crawl_and_score(_model(tiny_hub.hub, model, card))["training_code"]
    assert code["level"] == level
    if level == "open":
        assert "points to the training recipe train/alpha-176b.slurm in org/recipes" in code["rationale"]
    assert len(github_requests(tiny_hub)) == len(
        [line for line in github_requests(tiny_hub) if "/repos/org/family" in line]
    )  # org/recipes itself is never requested from the docs


# --- docs rules 2: a training command that runs a linked framework's program with own configs -----
def test_a_command_running_a_linked_frameworks_program_with_this_repositorys_configs():
    """LLM360/crystalcoder-train's README (# Pretraining / ## Code) runs Cerebras Model Zoo's
    modelzoo/transformers/pytorch/gpt3/run.py (a checkout of github.com/Cerebras/modelzoo, which the
    README links) with --params <path to params.yaml>: the tree's pretrain/params/phase*/params.yaml."""
    import json

    from standin.hub import SNAPSHOT_DIR

    record = json.loads((SNAPSHOT_DIR / "github" / "LLM360" / "crystalcoder-train.json").read_text("utf-8"))
    found = extract_doc(record["docs"]["README.md"], path="README.md", tree=record["tree"], is_readme=True)
    assert found.framework_runs == [
        {
            "repo": "cerebras/modelzoo",
            "script": "modelzoo/transformers/pytorch/gpt3/run.py",
            "configs": [f"pretrain/params/phase{n}/params.yaml" for n in (1, 2, 3)],
            "kind": "pretraining",
            "heading": "Pretraining / Code",
        }
    ]
    # a program of a repository the README does not link, or no config of this tree: nothing
    text = "# T\n\n# Training\n\n```\npython other/run.py --params <path to params.yaml>\n```\n"
    assert extract_doc(text, path="README.md", tree=record["tree"], is_readme=True).framework_runs == []
    command = "```\npython other/run.py --config x.yaml\n```\n"
    linked = f"# T\n\nSee https://github.com/org/other\n\n# Training\n\n{command}"
    assert extract_doc(linked, path="README.md", tree=record["tree"], is_readme=True).framework_runs == []


def test_the_readmes_title_is_no_section_but_a_later_level_one_heading_is():
    text = "# Training toolkit\n\n```\npython train.py\n```\n\n# Pretraining\n\n```\npython main.py\n```\n"
    assert [e["path"] for e in entry_points(text, ["train.py", "main.py"])] == ["main.py"]
