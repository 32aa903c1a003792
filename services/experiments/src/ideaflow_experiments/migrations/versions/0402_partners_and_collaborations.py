"""partners and collaborations

Revision ID: 0402
Revises: 0202
Create Date: 2026-11-28 22:05:40.038195
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ideaflow_shared.db

revision: str = '0402'
down_revision: str | None = '0202'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partners',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.Enum('university_or_research_centre', 'supplier', 'customer', 'startup', 'industry_network', 'other', name='partner_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('website', sa.String(length=2000), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', ideaflow_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ideaflow_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index('ix_partners_org_created', ['organization_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_partners_org_name', ['organization_id', 'name', 'id'], unique=False)

    op.create_table('collaborations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('experiment_id', sa.Uuid(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('our_responsibilities', sa.Text(), nullable=False),
    sa.Column('their_responsibilities', sa.Text(), nullable=False),
    sa.Column('success_criteria', sa.Text(), nullable=False),
    sa.Column('shared_data', sa.JSON(), nullable=False),
    sa.Column('confidentiality', sa.Enum('public', 'internal', 'confidential', 'strictly_confidential', name='confidentiality', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'active', 'completed', 'ended', name='collaboration_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', ideaflow_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ideaflow_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'], name=op.f('fk_collaborations_experiment_id_experiments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_collaborations_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collaborations')),
    sa.UniqueConstraint('partner_id', 'experiment_id', name='uq_collaborations_partner_experiment')
    )
    with op.batch_alter_table('collaborations', schema=None) as batch_op:
        batch_op.create_index('ix_collaborations_org_experiment', ['organization_id', 'experiment_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_collaborations_org_partner', ['organization_id', 'partner_id', 'created_at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('collaborations', schema=None) as batch_op:
        batch_op.drop_index('ix_collaborations_org_partner')
        batch_op.drop_index('ix_collaborations_org_experiment')

    op.drop_table('collaborations')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index('ix_partners_org_name')
        batch_op.drop_index('ix_partners_org_created')

    op.drop_table('partners')
