"""The first gradebook schema: students, notebooks, submissions, attempts, overrides, comments,
reports.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "students",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lms_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False, server_default=""),
        sa.Column("email", sa.String(255), nullable=False, server_default=""),
        sa.Column("source", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_students"),
        sa.UniqueConstraint("lms_id", name="uq_students_lms_id"),
    )
    op.create_table(
        "notebooks",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_notebooks"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("student_id", sa.Integer, nullable=False),
        sa.Column("assignment", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("source_file", sa.Text, nullable=False, server_default=""),
        sa.Column("late", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("late_info", sa.Text, nullable=False, server_default="{}"),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_submissions_student_id_students"),
        sa.UniqueConstraint("student_id", "assignment", "sha256",
                            name="uq_submissions_student_assignment_sha"),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("assignment", sa.String(255), nullable=False),
        sa.Column("assignment_version", sa.String(64), nullable=False, server_default=""),
        sa.Column("contract_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("key_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("key_profile", sa.String(64), nullable=False, server_default=""),
        sa.Column("grader_version", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False, server_default="full"),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("graded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("origin", sa.String(32), nullable=False, server_default="grade-batch"),
        sa.Column("result_sha256", sa.String(64), nullable=False),
        sa.Column("result_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attempts"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_attempts_submission_id_submissions"),
        sa.UniqueConstraint("result_sha256", name="uq_attempts_result_sha256"),
    )
    op.create_index("ix_attempts_submission_id", "attempts", ["submission_id"])
    op.create_index("ix_attempts_assignment_graded", "attempts", ["assignment", "graded_at"])
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("attempt_id", sa.Integer, nullable=True),
        sa.Column("exercise", sa.String(128), nullable=False),
        sa.Column("check_id", sa.String(128), nullable=True),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("who", sa.String(255), nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("undone_at", sa.DateTime, nullable=True),
        sa.Column("undone_by", sa.String(255), nullable=True),
        sa.Column("undo_why", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_overrides"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_overrides_submission_id_submissions"),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name="fk_overrides_attempt_id_attempts"),
    )
    op.create_index("ix_overrides_submission_id", "overrides", ["submission_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("attempt_id", sa.Integer, nullable=True),
        sa.Column("exercise", sa.String(128), nullable=True),
        sa.Column("who", sa.String(255), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_comments_submission_id_submissions"),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name="fk_comments_attempt_id_attempts"),
    )
    op.create_index("ix_comments_submission_id", "comments", ["submission_id"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("student_id", sa.Integer, nullable=False),
        sa.Column("assignment", sa.String(255), nullable=False),
        sa.Column("out_dir", sa.Text, nullable=False),
        sa.Column("attempt_id", sa.Integer, nullable=False),
        sa.Column("overrides_sha256", sa.String(64), nullable=False),
        sa.Column("template_sha256", sa.String(64), nullable=False),
        sa.Column("rendered_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.ForeignKeyConstraint(["student_id"], ["students.id"], name="fk_reports_student_id_students"),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name="fk_reports_attempt_id_attempts"),
        sa.UniqueConstraint("student_id", "assignment", "out_dir", name="uq_reports_student_assignment_dir"),
    )


def downgrade() -> None:
    for table in ("reports", "comments", "overrides", "attempts", "submissions", "notebooks", "students"):
        op.drop_table(table)
