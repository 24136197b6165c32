//! `POST /batch`: operations in order, atomic unless configured otherwise.

use identity_core::sandbox::SimRequest;
use serde_json::{Value, json};

use super::store::{Journal, State};
use super::{Failure, Outcome, Payload, WorkfrontSim, failure};

impl WorkfrontSim {
    pub(super) fn batch(&self, state: &mut State, req: &SimRequest) -> Outcome {
        #[derive(serde::Deserialize)]
        struct Op {
            method: String,
            uri: String,
            #[serde(default)]
            body: Option<Value>,
        }
        #[derive(serde::Deserialize)]
        struct Batch {
            updates: Vec<Op>,
        }
        let batch: Batch = serde_json::from_slice(&req.body)
            .map_err(|e| failure(400, format!("malformed batch: {e}")))?;
        if batch.updates.len() > self.config.max_batch {
            return Err(failure(
                422,
                format!(
                    "a batch may hold at most {} operations, got {}",
                    self.config.max_batch,
                    batch.updates.len()
                ),
            ));
        }
        let mut journal = Journal::default();
        let mut results = Vec::with_capacity(batch.updates.len());
        for (i, op) in batch.updates.iter().enumerate() {
            let (path, query) = op.uri.split_once('?').unwrap_or((&op.uri, ""));
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            let op_req = SimRequest {
                method: req.method.clone(),
                segments: Vec::new(),
                path: path.to_owned(),
                query: url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect(),
                headers: Default::default(),
                body: Default::default(),
            };
            let body = op
                .body
                .as_ref()
                .map(|b| serde_json::to_vec(b).unwrap_or_default())
                .unwrap_or_default();
            match self.operate(
                state,
                &mut journal,
                &op.method.to_ascii_uppercase(),
                &segments,
                &op_req,
                &body,
            ) {
                Ok(value) => results.push(value.into_value()),
                Err(Failure(status, message)) if self.config.atomic_batch => {
                    Self::undo(state, journal);
                    return Err(failure(
                        status,
                        format!(
                            "batch operation {i} ({} {}) failed: {message}",
                            op.method, op.uri
                        ),
                    ));
                }
                Err(Failure(_, message)) => results.push(json!({"error": {"message": message}})),
            }
        }
        Ok(Payload::Json(Value::Array(results)))
    }
}
