"""Scores, their history, methodology versions, and the license knowledge base as a table.

One ``Score`` row per (model, methodology version): publishing a new version adds rows and
keeps the old ones. Leaderboard columns (organization, popularity, modality, release date,
...) are copied onto the row when it is computed, so the leaderboard and the API read one
table through composite indexes; every fact change rescores the model, which keeps the
copies current.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import AIModel
from scoring.levels import LEVEL_CHOICES


class MethodologyVersion(models.Model):
    version = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    published_on = models.DateField()
    weights = models.JSONField(help_text="Weight of each dimension in the total")
    changelog = models.TextField()
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_methodology"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.name})"


class License(models.Model):
    """A knowledge-base entry, mirrored from scoring/data/licenses.yaml for queries and the API."""

    key = models.CharField(max_length=100, unique=True)
    spdx_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200)
    hub_tag = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=32, blank=True)
    grade = models.CharField(max_length=10, choices=LEVEL_CHOICES)
    grade_reason = models.CharField(max_length=300)
    attributes = models.JSONField(default=dict)
    restrictions = models.JSONField(default=list)
    aliases = models.JSONField(default=list)
    link_patterns = models.JSONField(default=list)
    text_url = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    kb_digest = models.CharField(max_length=32, help_text="Version of the data file this row came from")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="scores")
    methodology = models.ForeignKey(MethodologyVersion, on_delete=models.PROTECT, related_name="scores")
    # one level column per scoring.dimensions entry (its ``column``); a new one needs a migration
    weights = models.CharField(max_length=10, choices=LEVEL_CHOICES)
    training_data = models.CharField(max_length=10, choices=LEVEL_CHOICES)
    training_code = models.CharField(max_length=10, choices=LEVEL_CHOICES)
    license = models.CharField(max_length=10, choices=LEVEL_CHOICES)
    total = models.FloatField()
    unknown_count = models.PositiveSmallIntegerField(default=0)
    license_key = models.CharField(max_length=100, blank=True, help_text="Effective license (after lineage)")
    license_label = models.CharField(max_length=300, blank=True, help_text="The license as declared")
    has_license_conflict = models.BooleanField(default=False)
    mof_class = models.PositiveSmallIntegerField(default=0, help_text="1, 2, 3; 0 = unclassified")
    osaid_ready = models.BooleanField(default=False)
    outputs_hash = models.CharField(max_length=32)
    computed_at = models.DateTimeField(default=timezone.now)

    # copies of model columns for the leaderboard (refreshed on every rescore)
    repo_id = models.CharField(max_length=200)
    organization_name = models.CharField(max_length=96, blank=True)
    pipeline_tag = models.CharField(max_length=64, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    downloads = models.PositiveBigIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    parameters = models.PositiveBigIntegerField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    last_crawled_at = models.DateTimeField(null=True, blank=True)
    is_listed = models.BooleanField(default=True, help_text="False for placeholders")
    is_derivative = models.BooleanField(default=False)
    is_notable = models.BooleanField(default=False)
    # the id, organization and licence folded for the name search (scoring.search)
    search_text = models.CharField(max_length=600, blank=True, default="")
    # the model's name alone, folded the same way: its prefix index finds the best matches of a
    # search (the name starting with the words) without ranking every match (scoring.search)
    search_name = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "methodology"], name="score_model_methodology")
        ]
        # The leaderboard's default orders (notable or all, by total, name or downloads) walk
        # one of these; ending in id lets a deep page be found from the index alone.
        indexes = [
            models.Index(
                fields=["methodology", "is_listed", "-total", "repo_id", "id"], name="score_board_total"
            ),
            models.Index(
                fields=["methodology", "is_notable", "-total", "repo_id", "id"], name="score_board_notable"
            ),
            models.Index(fields=["methodology", "is_listed", "repo_id", "id"], name="score_board_name"),
            models.Index(
                fields=["methodology", "is_listed", "-downloads", "repo_id", "id"],
                name="score_board_downloads",
            ),
            models.Index(fields=["methodology", "organization_name", "-total"], name="score_board_org"),
            models.Index(fields=["methodology", "license_key"], name="score_board_license"),
            models.Index(fields=["methodology", "released_at"], name="score_board_released"),
            # parameters sort both ways with unknown sizes last (selectors.order_by_fields), which
            # one index cannot serve walked backwards: one per direction (a filtered view sorted
            # by size sorted every match, 230 ms at 1M models)
            models.Index(
                "methodology",
                "is_listed",
                F("parameters").desc(nulls_last=True),
                "repo_id",
                "id",
                name="score_board_params_desc",
            ),
            models.Index(
                "methodology",
                "is_listed",
                F("parameters").asc(nulls_last=True),
                F("repo_id").desc(),
                F("id").desc(),
                name="score_board_params_asc",
            ),
            # the default view shows notable models only (a few percent of the Hub): walking a
            # whole-board index for them in ascending downloads or release order reads every
            # less-known model first (1.3 s at 1M models); these hold the notable rows alone
            models.Index(
                fields=["methodology", "-downloads", "repo_id", "id"],
                condition=Q(is_notable=True),
                name="score_notable_downloads",
            ),
            models.Index(
                fields=["methodology", "released_at"],
                condition=Q(is_notable=True),
                name="score_notable_released",
            ),
            models.Index(fields=["methodology", "pipeline_tag"], name="score_board_pipeline"),
            models.Index(fields=["repo_id", "methodology"], name="score_repo"),
            # prefix matches (LIKE 'x%') need the pattern operator class on PostgreSQL
            models.Index(fields=["search_name"], opclasses=["varchar_pattern_ops"], name="score_search_name"),
            # filtering by a judgment level (the leaderboard's and the API's level filters): one
            # per scoring.dimensions column
            models.Index(
                fields=["methodology", "weights", "-total", "repo_id", "id"], name="score_level_weights"
            ),
            models.Index(
                fields=["methodology", "training_data", "-total", "repo_id", "id"], name="score_level_data"
            ),
            models.Index(
                fields=["methodology", "training_code", "-total", "repo_id", "id"], name="score_level_code"
            ),
            models.Index(
                fields=["methodology", "license", "-total", "repo_id", "id"], name="score_level_license"
            ),
            # the same for the default (notable) view: the total follows the levels, so walking
            # the notable board by total for "license partial" skips every model above it first
            # (33,000 rows, 84 ms at 1M models); a notable-only copy is a sixth of the size
            *(
                models.Index(
                    fields=["methodology", column, "-total", "repo_id", "id"],
                    condition=Q(is_notable=True),
                    name=f"score_notable_{short}",
                )
                for column, short in (
                    ("weights", "weights"),
                    ("training_data", "data"),
                    ("training_code", "code"),
                    ("license", "license"),
                )
            ),
        ]

    def __str__(self) -> str:
        return f"{self.repo_id}: {self.total} (v{self.methodology_id})"

    @property
    def judgments(self) -> dict:
        return self.detail.judgments


class ScoreDetail(models.Model):
    """The bulky part of a score (rationales, evidence, MOF components), kept off the leaderboard table."""

    score = models.OneToOneField(Score, on_delete=models.CASCADE, primary_key=True, related_name="detail")
    judgments = models.JSONField(help_text="Per dimension: level, points, rationale, origin, evidence")
    license_conflict = models.TextField(blank=True)
    mof_progress = models.JSONField(default=dict)
    mof_missing = models.JSONField(default=list)
    mof_ceiling = models.PositiveSmallIntegerField(
        default=0, help_text="The highest MOF class reachable if what the crawler does not read is open"
    )
    mof_unread = models.JSONField(default=list, help_text="What the crawler does not read, in plain words")
    osaid_failing = models.JSONField(default=list)
    sources = models.JSONField(
        default=dict, help_text="What the score rests on: bases, datasets, repositories, papers"
    )

    def __str__(self) -> str:
        return f"detail of {self.score_id}"


class ScoreChange(models.Model):
    """A change of a model's judgments or total, with what caused it."""

    CAUSES = [
        ("crawl", "crawl"),
        ("correction", "maintainer correction"),
        ("methodology", "methodology change"),
        ("lineage", "a base model changed"),
        ("knowledge_base", "license knowledge base change"),
        ("manual", "manual rescore"),
    ]

    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="score_changes")
    methodology = models.ForeignKey(MethodologyVersion, on_delete=models.PROTECT, related_name="changes")
    changed_at = models.DateTimeField(default=timezone.now)
    cause = models.CharField(max_length=16, choices=CAUSES)
    old = models.JSONField(null=True, blank=True, help_text="Levels and total before (null: first score)")
    new = models.JSONField(help_text="Levels and total after")

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["model", "-changed_at"], name="scorechange_model"),
            models.Index(fields=["-changed_at", "-id"], name="scorechange_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.cause} {self.changed_at:%Y-%m-%d}"
