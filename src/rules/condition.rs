//! Boolean conditions over named selections: `a and (b or not c)`. The
//! parser is a small recursive descent over `and`, `or`, `not`, parentheses
//! and selection names; an unknown name is an error that names it.

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A selection, by index into the rule's selection list.
    Sel(usize),
    /// Negation.
    Not(Box<Expr>),
    /// Both.
    And(Box<Expr>, Box<Expr>),
    /// Either.
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Evaluate with the truth value of each selection.
    pub fn eval(&self, sel: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Expr::Sel(i) => sel(*i),
            Expr::Not(e) => !e.eval(sel),
            Expr::And(a, b) => a.eval(sel) && b.eval(sel),
            Expr::Or(a, b) => a.eval(sel) || b.eval(sel),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                out.push(Tok::Open);
                chars.next();
            }
            ')' => {
                out.push(Tok::Close);
                chars.next();
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(match word.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    _ => Tok::Ident(word),
                });
            }
            other => return Err(format!("unexpected {other:?} at column {}", i + 1)),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    names: &'a [String],
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut left = self.factor()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > 64 {
            return Err("condition nested too deeply".into());
        }
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        let out = match tok {
            Some(Tok::Not) => Ok(Expr::Not(Box::new(self.factor()?))),
            Some(Tok::Open) => {
                let e = self.expr()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err("missing `)`".into());
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Ident(name)) => self
                .names
                .iter()
                .position(|n| *n == name)
                .map(Expr::Sel)
                .ok_or_else(|| format!("unknown selection {name:?} (defined: {})", self.names.join(", "))),
            Some(t) => Err(format!("unexpected {t:?}")),
            None => Err("the condition ends early".into()),
        };
        self.depth -= 1;
        out
    }
}

/// Parse a condition over the given selection names.
pub fn parse(s: &str, names: &[String]) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(s)?,
        pos: 0,
        names,
        depth: 0,
    };
    let e = p.expr()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected {:?} after the condition", p.toks[p.pos]));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["a".into(), "b".into(), "c".into()]
    }

    #[test]
    fn precedence_and_negation() {
        let e = parse("a or b and not c", &names()).unwrap();
        let truth = |bits: [bool; 3]| e.eval(&|i| bits[i]);
        assert!(truth([true, false, true]));
        assert!(truth([false, true, false]));
        assert!(!truth([false, true, true]));
        let e = parse("(a or b) and not c", &names()).unwrap();
        assert!(!e.eval(&|i| [true, false, true][i]));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(parse("a and zz", &names())
            .unwrap_err()
            .contains("unknown selection \"zz\""));
        assert!(parse("(a or b", &names()).unwrap_err().contains("missing `)`"));
        assert!(parse("a b", &names())
            .unwrap_err()
            .contains("after the condition"));
        assert!(parse("a and", &names()).unwrap_err().contains("ends early"));
        assert!(parse("a & b", &names()).unwrap_err().contains("unexpected '&'"));
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep, &names()).is_err());
    }
}
