"""What `/v1/themes` accepts and answers."""

import datetime as dt
import decimal
import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ideaflow_shared.types import PatchModel, ShortText

FeedbackIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=100)]


class Recurrence(enum.StrEnum):
    """A pattern has at least `min_customers` distinct customers in the window; anything less is individual."""

    PATTERN = "pattern"
    INDIVIDUAL = "individual"


class ThemeOrder(enum.StrEnum):
    LAST_SEEN_AT_DESC = "-last_seen_at"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


class MoneyTotal(BaseModel):
    amount: decimal.Decimal = Field(description="The sum, two decimal places.")
    currency: str = Field(description="ISO 4217 code.")


class Trend(BaseModel):
    current_items: int = Field(description="Items received in the last `window_days`.")
    previous_items: int = Field(description="Items received in the `window_days` before that.")
    change: int = Field(description="current_items - previous_items.")


class ThemePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str = Field(description="Readable label: from the first item until a person renames it.")
    item_count: int
    customer_count: int = Field(description="Distinct customers who said it.")
    customer_value: list[MoneyTotal] = Field(description="Total value of those customers, per currency.")
    average_sentiment: float | None = Field(description="Mean sentiment of the items, from -1 to 1.")
    first_seen_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    trend: Trend
    recurrence: Recurrence
    merged_into_id: uuid.UUID | None = Field(description="Set once this theme was merged into another.")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ThemeUpdate(PatchModel):
    label: ShortText | None = Field(default=None, description="A new label; the engine never changes it again.")


class ThemeMerge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=20)] = Field(
        description="Themes whose items move into this one; they remain as pointers to it."
    )


class ThemeSplit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feedback_ids: FeedbackIds = Field(description="Items of this theme that seed the new theme.")
    label: ShortText = Field(description="The new theme's label.")


class ThemeItemsMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feedback_ids: FeedbackIds = Field(description="Items to move into this theme; they stay where people put them.")


class ThemeItemPublic(BaseModel):
    feedback_id: uuid.UUID
    text: str
    customer_id: uuid.UUID | None
    received_at: dt.datetime
    similarity: float = Field(description="Cosine similarity to the theme when it was assigned.")
    pinned: bool = Field(description="Placed by a person; the engine leaves it there.")
    duplicate_of_id: uuid.UUID | None = Field(description="An earlier item this one nearly repeats.")
