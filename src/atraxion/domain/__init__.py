"""The pure core: rules about records, diffs, consumers and orders. Standard library and attrs only."""
