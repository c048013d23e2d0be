//! Conversations and their turns.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

use super::{now_ms, Store, StoreError};
use crate::engine::Role;
use crate::language::cefr::CefrLevel;

/// A conversation to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewConversation {
    /// The scenario's name (`small_talk`, …).
    pub scenario: String,
    /// The learner's level.
    pub level: CefrLevel,
    /// The model playing the partner.
    pub model_id: String,
}

/// A saved conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Conversation {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Stable id.
    pub uuid: String,
    /// The scenario's name.
    pub scenario: String,
    /// The learner's level.
    pub level: CefrLevel,
    /// The model.
    pub model_id: String,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub started_at: i64,
    /// The turns, in order.
    pub turns: Vec<Turn>,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct Turn {
    /// `user` or `assistant`.
    pub role: Role,
    /// The text.
    pub content: String,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub created_at: i64,
}

/// A conversation in the history list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct ConversationSummary {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// The scenario's name.
    pub scenario: String,
    /// The learner's level.
    pub level: CefrLevel,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub started_at: i64,
    /// Messages in it (both sides).
    #[ts(type = "number")]
    pub turns: i64,
    /// The learner's first message.
    pub first_message: String,
}

impl Store {
    /// Starts a conversation and returns its id.
    pub async fn insert_conversation(&self, c: &NewConversation) -> Result<i64, StoreError> {
        new_conversation(&self.pool, c).await
    }

    /// Appends a turn at the end of a conversation.
    pub async fn insert_turn(
        &self,
        conversation_id: i64,
        role: Role,
        content: &str,
    ) -> Result<(), StoreError> {
        append_turn(&self.pool, conversation_id, role, content).await
    }

    /// A conversation with its turns.
    pub async fn get_conversation(&self, id: i64) -> Result<Option<Conversation>, StoreError> {
        let Some(row) = sqlx::query("SELECT * FROM conversations WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let turns = sqlx::query("SELECT role, content, created_at FROM turns WHERE conversation_id = ? ORDER BY position")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let role = match r.try_get::<String, _>("role")?.as_str() {
                    "user" => Role::User,
                    "assistant" => Role::Assistant,
                    other => return Err(StoreError::Corrupt(format!("role `{other}`"))),
                };
                Ok(Turn {
                    role,
                    content: r.try_get("content")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(Conversation {
            id: row.try_get("id")?,
            uuid: row.try_get("uuid")?,
            scenario: row.try_get("scenario")?,
            level: level_of(row.try_get("level")?)?,
            model_id: row.try_get("model_id")?,
            started_at: row.try_get("started_at")?,
            turns,
        }))
    }

    /// Saves the newest turns of a window's conversation: in `conversation` when given (and
    /// still there), else in a new one described by `new`. One transaction, so a reply is never
    /// saved without the message it answers. Returns the conversation's id.
    pub async fn append_turns(
        &self,
        conversation: Option<i64>,
        new: &NewConversation,
        turns: &[(Role, String)],
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let existing = match conversation {
            Some(id) => {
                sqlx::query_scalar::<_, i64>("SELECT id FROM conversations WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        };
        let id = match existing {
            Some(id) => id,
            None => new_conversation(&mut *tx, new).await?,
        };
        for (role, content) in turns {
            append_turn(&mut *tx, id, *role, content).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Conversations, newest first.
    pub async fn list_conversations(
        &self,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        sqlx::query(
            "SELECT c.id, c.scenario, c.level, c.started_at, \
               (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id) AS turns, \
               coalesce((SELECT content FROM turns t WHERE t.conversation_id = c.id AND t.role = 'user' \
                         ORDER BY position LIMIT 1), '') AS first_message \
             FROM conversations c ORDER BY c.started_at DESC, c.id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ConversationSummary {
                id: r.try_get("id")?,
                scenario: r.try_get("scenario")?,
                level: level_of(r.try_get("level")?)?,
                started_at: r.try_get("started_at")?,
                turns: r.try_get("turns")?,
                first_message: r.try_get("first_message")?,
            })
        })
        .collect()
    }

    /// Deletes a conversation and its turns; false when there was none.
    pub async fn delete_conversation(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM conversations WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Inserts a conversation (in a transaction or on the pool) and returns its id.
async fn new_conversation<'e>(
    ex: impl sqlx::SqliteExecutor<'e>,
    c: &NewConversation,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO conversations (uuid, scenario, level, model_id, started_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(&c.scenario)
    .bind(c.level.as_str())
    .bind(&c.model_id)
    .bind(now_ms())
    .fetch_one(ex)
    .await?)
}

/// Appends one turn after the conversation's last (system messages are never stored).
async fn append_turn<'e>(
    ex: impl sqlx::SqliteExecutor<'e>,
    conversation_id: i64,
    role: Role,
    content: &str,
) -> Result<(), StoreError> {
    if role == Role::System {
        return Err(StoreError::Corrupt("system messages are not stored".into()));
    }
    sqlx::query(
        "INSERT INTO turns (conversation_id, position, role, content, created_at) VALUES \
         (?1, (SELECT coalesce(max(position), -1) + 1 FROM turns WHERE conversation_id = ?1), ?2, ?3, ?4)",
    )
    .bind(conversation_id)
    .bind(role.as_str())
    .bind(content)
    .bind(now_ms())
    .execute(ex)
    .await?;
    Ok(())
}

/// A stored level; anything else means the file was edited by hand or damaged.
fn level_of(level: String) -> Result<CefrLevel, StoreError> {
    level
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("level `{level}`")))
}
