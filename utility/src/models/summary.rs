//! Keras-style model summaries: layers, output shapes, parameter counts.
use tch::nn;
/// A row of a Keras-style model summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerRow {
    pub name: String,
    pub kind: String,
    pub output_shape: String,
    pub params: i64,
    pub trainable: bool,
}

/// A Keras-style summary: layers, output shapes, parameters, trainable and frozen totals.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub model: String,
    pub rows: Vec<LayerRow>,
}

impl Summary {
    pub fn total(&self) -> i64 {
        self.rows.iter().map(|r| r.params).sum()
    }
    pub fn trainable(&self) -> i64 {
        self.rows
            .iter()
            .filter(|r| r.trainable)
            .map(|r| r.params)
            .sum()
    }
    pub fn non_trainable(&self) -> i64 {
        self.total() - self.trainable()
    }
}

/// Format with thousands separators, as Keras prints counts.
pub fn thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Model: \"{}\"", self.model)?;
        writeln!(
            f,
            "{:<34}{:<24}{:>12}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{}", "=".repeat(70))?;
        for r in &self.rows {
            let name = format!("{} ({})", r.name, r.kind);
            let frozen = if r.trainable || r.params == 0 {
                ""
            } else {
                "  frozen"
            };
            writeln!(
                f,
                "{name:<34}{:<24}{:>12}{frozen}",
                r.output_shape,
                thousands(r.params)
            )?;
        }
        writeln!(f, "{}", "=".repeat(70))?;
        writeln!(f, "Total params: {}", thousands(self.total()))?;
        writeln!(f, "Trainable params: {}", thousands(self.trainable()))?;
        write!(
            f,
            "Non-trainable params: {}",
            thousands(self.non_trainable())
        )
    }
}
/// Number of parameters in a var store (trainable or not).
pub fn count_params(vs: &nn::VarStore) -> i64 {
    vs.variables().values().map(|t| t.numel() as i64).sum()
}
