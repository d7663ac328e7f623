terraform {
  # No provider: pure arithmetic, tested offline with the real `tofu test`.
  required_version = ">= 1.8.0"
}
