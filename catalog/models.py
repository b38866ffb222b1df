"""What exists and what was observed: the catalog the crawlers fill.

Writes go through ``catalog.services``; reads through ``catalog.selectors``. Every crawled
fact about a model, dataset or repository is also stored as an ``Evidence`` row (value,
source URL, upstream revision, fetched_at, origin), so each judgment the scoring app makes
can point at what it rests on.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog import choices


class Organization(models.Model):
    """A Hub namespace (organization or user) that publishes models or datasets."""

    name = models.CharField(max_length=96, unique=True, help_text="Hub namespace, e.g. 'allenai'")
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AIModel(models.Model):
    """One model repository on a source hub; natural key (source, repo_id)."""

    source = models.CharField(
        max_length=16, choices=choices.Source.choices, default=choices.Source.HUGGINGFACE
    )
    repo_id = models.CharField(max_length=200, help_text="Hub repository id, 'owner/name'")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="models"
    )
    name = models.CharField(max_length=200)
    is_placeholder = models.BooleanField(
        default=False, help_text="Known only as another model's base; never listed or crawled yet"
    )

    # access
    private = models.BooleanField(default=False)
    disabled = models.BooleanField(default=False)
    gated = models.CharField(
        max_length=8, choices=choices.Gate.choices, default=choices.Gate.NONE, blank=True
    )
    missing_since = models.DateTimeField(null=True, blank=True, help_text="When the Hub first answered 404")
    retired_at = models.DateTimeField(
        null=True, blank=True, help_text="When a complete discovery pass found it gone (deleted or private)"
    )
    retired_reason = models.CharField(
        max_length=16, choices=choices.Retirement.choices, blank=True, default=""
    )

    # upstream revision and dates
    sha = models.CharField(max_length=64, blank=True, help_text="Commit the last listing reported")
    hub_created_at = models.DateTimeField(null=True, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)

    # popularity (shown and used for the notable threshold; never part of the score)
    downloads = models.PositiveBigIntegerField(default=0)
    downloads_all_time = models.PositiveBigIntegerField(null=True, blank=True)
    likes = models.PositiveIntegerField(default=0)
    trending_score = models.FloatField(null=True, blank=True)

    # descriptive metadata from the listing
    pipeline_tag = models.CharField(max_length=64, blank=True)
    library_name = models.CharField(max_length=64, blank=True)
    modality = models.CharField(max_length=16, choices=choices.Modality.choices, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    card_data = models.JSONField(
        default=dict, blank=True, help_text="Card YAML metadata as the Hub parsed it"
    )
    license_declared = models.JSONField(default=list, blank=True, help_text="License ids as declared")
    license_name = models.CharField(max_length=200, blank=True)
    license_link = models.CharField(max_length=500, blank=True)
    weight_formats = models.JSONField(default=list, blank=True)
    parameters = models.PositiveBigIntegerField(null=True, blank=True)

    # detail crawl
    weight_files = models.JSONField(null=True, blank=True, help_text="Weight files found; null until crawled")
    other_links = models.JSONField(default=list, blank=True, help_text="Links kept as text, never fetched")
    card_html = models.TextField(blank=True, help_text="README body rendered and sanitised at crawl time")
    detail_sha = models.CharField(max_length=64, blank=True, help_text="Commit the detail crawl read")
    detail_crawled_at = models.DateTimeField(null=True, blank=True)

    # bookkeeping
    first_seen_at = models.DateTimeField(default=timezone.now)
    listed_at = models.DateTimeField(null=True, blank=True, help_text="Last time discovery listed it")
    updated_at = models.DateTimeField(default=timezone.now)
    crawl_error = models.TextField(blank=True)
    crawl_error_at = models.DateTimeField(null=True, blank=True)
    crawl_failures = models.PositiveIntegerField(default=0)

    datasets = models.ManyToManyField("Dataset", through="ModelDataset", related_name="models")
    code_repositories = models.ManyToManyField(
        "CodeRepository", through="ModelCodeRepository", related_name="models"
    )
    papers = models.ManyToManyField("Paper", through="ModelPaper", related_name="models")

    class Meta:
        verbose_name = "AI model"
        constraints = [models.UniqueConstraint(fields=["source", "repo_id"], name="aimodel_natural_key")]
        indexes = [
            models.Index(fields=["pipeline_tag"], name="aimodel_pipeline"),
            models.Index(fields=["-downloads", "id"], name="aimodel_downloads"),
            models.Index(fields=["hub_created_at"], name="aimodel_created"),
            models.Index(fields=["-last_modified"], name="aimodel_last_modified"),
            models.Index(fields=["detail_crawled_at"], name="aimodel_detail_crawled"),
            # a new id carrying a stored model's commit may be a rename (crawl.renames_spot)
            models.Index(fields=["sha"], name="aimodel_sha"),
        ]

    def __str__(self) -> str:
        return self.repo_id

    @property
    def hub_url(self) -> str:
        return f"https://huggingface.co/{self.repo_id}"


class ModelAlias(models.Model):
    """A name the Hub used to serve a model under (it was renamed): old URLs redirect to the model."""

    source = models.CharField(
        max_length=16, choices=choices.Source.choices, default=choices.Source.HUGGINGFACE
    )
    repo_id = models.CharField(max_length=200, help_text="The old repository id")
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(default=timezone.now, help_text="When the rename was seen")

    class Meta:
        verbose_name_plural = "model aliases"
        constraints = [models.UniqueConstraint(fields=["source", "repo_id"], name="modelalias_natural_key")]

    def __str__(self) -> str:
        return f"{self.repo_id} -> {self.model_id}"


class Dataset(models.Model):
    """A training dataset a model names: on the Hub (verified through its API) or elsewhere."""

    source = models.CharField(max_length=16, default="huggingface", help_text="'huggingface' or 'external'")
    repo_id = models.CharField(max_length=300, help_text="Hub id, or the normalised URL for external ones")
    url = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=16, choices=choices.DatasetStatus.choices, default=choices.DatasetStatus.UNVERIFIED
    )
    private = models.BooleanField(default=False)
    gated = models.CharField(
        max_length=8, choices=choices.Gate.choices, default=choices.Gate.NONE, blank=True
    )
    disabled = models.BooleanField(default=False)
    license_declared = models.JSONField(default=list, blank=True)
    license_name = models.CharField(max_length=200, blank=True)
    size_category = models.CharField(max_length=64, blank=True)
    tags = models.JSONField(default=list, blank=True)
    sha = models.CharField(max_length=64, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    crawled_at = models.DateTimeField(null=True, blank=True)
    resolution_error = models.TextField(blank=True, help_text="Why the name could not be resolved")
    crawl_failures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "repo_id"], name="dataset_natural_key")]
        indexes = [models.Index(fields=["crawled_at"], name="dataset_crawled")]

    def __str__(self) -> str:
        return self.repo_id

    @property
    def is_obtainable(self) -> bool:
        return self.status == choices.DatasetStatus.AVAILABLE


class CodeRepository(models.Model):
    """A code repository a model card links to (GitHub)."""

    host = models.CharField(max_length=32, default="github.com")
    full_name = models.CharField(max_length=200, help_text="owner/name as linked, lower-cased")
    canonical = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aliases",
        help_text="Where a renamed or moved repository now lives",
    )
    html_url = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=16, choices=choices.RepoStatus.choices, default=choices.RepoStatus.UNVERIFIED
    )
    default_branch = models.CharField(max_length=200, blank=True)
    archived = models.BooleanField(default=False)
    fork = models.BooleanField(default=False)
    stars = models.PositiveIntegerField(default=0)
    topics = models.JSONField(default=list, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    license_spdx = models.CharField(
        max_length=100, blank=True, help_text="GitHub's spdx_id, e.g. NOASSERTION"
    )
    license_name = models.CharField(max_length=200, blank=True)
    classification = models.CharField(
        max_length=16, choices=choices.CodeClassification.choices, default=choices.CodeClassification.UNKNOWN
    )
    evidence_paths = models.JSONField(
        default=dict, blank=True, help_text="Paths that justify the classification"
    )
    tree_truncated = models.BooleanField(default=False)
    tree_sha = models.CharField(max_length=64, blank=True)
    # the whole tree as last fetched: a change of the detection rules re-classifies it without
    # fetching again (GitHub's 304 would otherwise hide the change)
    tree_paths = models.JSONField(null=True, blank=True, help_text="Blob paths of the default branch")
    # other branches some card links (github.com/o/r/tree/<branch>): per branch its status
    # (read / missing / error), tree sha, blob paths and truncation (rules version 5)
    branch_trees = models.JSONField(
        null=True, blank=True, help_text="Trees of the other branches cards link, by branch name"
    )
    # set when a card linking this repository with a folder or ref is read: the next crawl asks
    # which branches the cards name, even behind GitHub's 304 (which otherwise costs no query)
    branches_pending = models.BooleanField(default=False)
    rules_version = models.CharField(
        max_length=8, blank=True, help_text="Code-detection rules version of the classification"
    )
    license_text = models.TextField(
        blank=True, help_text="Start of the licence file, kept when GitHub cannot name the licence"
    )
    etags = models.JSONField(default=dict, blank=True, help_text="ETag per endpoint for conditional requests")
    # what the README and data documents say (catalog.sources.github.docs): per document its
    # path, status and findings (datasets, training entry points); null until read
    docs = models.JSONField(null=True, blank=True, help_text="README and data documentation findings")
    first_seen_at = models.DateTimeField(default=timezone.now)
    crawled_at = models.DateTimeField(null=True, blank=True)
    crawl_error = models.TextField(blank=True)
    crawl_failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "code repositories"
        constraints = [models.UniqueConstraint(fields=["host", "full_name"], name="coderepo_natural_key")]
        indexes = [models.Index(fields=["crawled_at"], name="coderepo_crawled")]

    def __str__(self) -> str:
        return f"{self.host}/{self.full_name}"

    @property
    def url(self) -> str:
        return self.html_url or f"https://{self.host}/{self.full_name}"


class Paper(models.Model):
    """A paper a model links to; identified by arXiv id."""

    arxiv_id = models.CharField(max_length=32, unique=True)
    first_seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"arXiv:{self.arxiv_id}"

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


# The (model, target) unique constraints also serve lookups by model, so those foreign keys
# carry no index of their own: one index less to maintain on every crawl write.
class ModelDataset(models.Model):
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="dataset_links", db_index=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="model_links")
    origin = models.CharField(max_length=16, choices=choices.LinkOrigin.choices)
    name_as_written = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "dataset"], name="modeldataset_unique")]

    def __str__(self) -> str:
        return f"{self.model_id} -> dataset {self.dataset_id} ({self.origin})"


class ModelCodeRepository(models.Model):
    model = models.ForeignKey(
        AIModel, on_delete=models.CASCADE, related_name="repository_links", db_index=False
    )
    repository = models.ForeignKey(CodeRepository, on_delete=models.CASCADE, related_name="model_links")
    origin = models.CharField(max_length=16, choices=choices.LinkOrigin.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "repository"], name="modelrepo_unique")]

    def __str__(self) -> str:
        return f"{self.model_id} -> repository {self.repository_id} ({self.origin})"


class ModelPaper(models.Model):
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="paper_links", db_index=False)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="model_links")
    origin = models.CharField(max_length=16, choices=choices.LinkOrigin.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "paper"], name="modelpaper_unique")]

    def __str__(self) -> str:
        return f"{self.model_id} -> paper {self.paper_id} ({self.origin})"


class LineageEdge(models.Model):
    """base model -> derivative, with how the derivative was made."""

    child = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="base_edges", db_index=False)
    parent = models.ForeignKey(
        AIModel, on_delete=models.CASCADE, related_name="derivative_edges", db_index=False
    )
    relation = models.CharField(max_length=16, choices=choices.Relation.choices)
    origin = models.CharField(max_length=16, choices=choices.LinkOrigin.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="lineage_unique"),
            models.CheckConstraint(condition=~Q(child=models.F("parent")), name="lineage_not_self"),
        ]
        indexes = [models.Index(fields=["parent"], name="lineage_parent")]

    def __str__(self) -> str:
        return f"{self.parent_id} -[{self.relation}]-> {self.child_id}"


class Evidence(models.Model):
    """One fact about one subject, with where and when it was observed.

    At most one row per (subject, fact, origin): the crawler keeps its crawled row current,
    an approved correction keeps a corrected row beside it, and the scoring prefers the
    corrected one. Nothing the crawler does touches a corrected row.
    """

    subject_type = models.CharField(max_length=16, choices=choices.SubjectType.choices)
    subject_id = models.BigIntegerField()
    fact = models.CharField(max_length=32, choices=choices.Fact.choices)
    origin = models.CharField(max_length=16, choices=choices.EvidenceOrigin.choices)
    value = models.JSONField()
    source_url = models.CharField(max_length=500, blank=True)
    revision = models.CharField(max_length=100, blank=True, help_text="Upstream commit sha or ETag")
    fetched_at = models.DateTimeField()
    # the approved correction that wrote a corrected row (an id, not a foreign key: the
    # corrections app sits above the catalog); no index, so crawled evidence writes stay cheap
    correction_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "fact", "origin"], name="evidence_unique"
            )
        ]
        # the models an approved correction touched (every leaderboard page marks them): a few
        # rows among millions, read without scanning the table (930 ms at 1M models before)
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id"],
                condition=Q(origin="corrected"),
                name="evidence_corrected",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} {self.fact} ({self.origin})"


class CrawlRun(models.Model):
    """One crawl pass: what it was asked to do, where it got to, and how it ended."""

    kind = models.CharField(max_length=24, choices=choices.CrawlKind.choices)
    status = models.CharField(
        max_length=16, choices=choices.CrawlStatus.choices, default=choices.CrawlStatus.RUNNING
    )
    params = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    cursor_url = models.TextField(blank=True, help_text="Next listing page to fetch; resumes a broken pass")
    high_water_mark = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Newest lastModified ingested (incremental passes stop here next time)",
    )
    pages = models.PositiveIntegerField(default=0)
    seen_count = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    requests_made = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "status", "-started_at"], name="crawlrun_kind_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class CrawlFailure(models.Model):
    """A readable record of something the crawler could not do, for operators."""

    run = models.ForeignKey(
        CrawlRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="failures"
    )
    subject_type = models.CharField(max_length=16, choices=choices.SubjectType.choices)
    subject_key = models.CharField(max_length=300, help_text="Repository id, dataset id or owner/name")
    stage = models.CharField(max_length=16, choices=choices.CrawlStage.choices)
    error_code = models.CharField(
        max_length=48, help_text="e.g. not_found, gated, rate_limited, malformed_card"
    )
    message = models.TextField()
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    final = models.BooleanField(default=True, help_text="False while the task will still retry")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_key"], name="crawlfailure_subject"),
            models.Index(fields=["-created_at"], name="crawlfailure_created"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_key}: {self.error_code}"
